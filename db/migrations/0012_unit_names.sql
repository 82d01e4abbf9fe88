CREATE TABLE "unit_names" (
	"unit_id" integer NOT NULL,
	"from_at" timestamp with time zone NOT NULL,
	"name" text NOT NULL,
	"search_name" text NOT NULL,
	CONSTRAINT "unit_names_unit_id_from_at_pk" PRIMARY KEY("unit_id","from_at")
);
--> statement-breakpoint
ALTER TABLE "unit_names" ADD CONSTRAINT "unit_names_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "unit_names_search_idx" ON "unit_names" USING btree ("search_name");--> statement-breakpoint
-- A unit's names over time, kept whatever writes the unit (mutations, the import): a new
-- unit's name from its opening; a new name from `app.renamed_at` when the writer sets it
-- for its transaction (a rename dated by its author), else from the moment it is written.
CREATE FUNCTION unit_names_keep() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  at timestamptz;
BEGIN
  IF TG_OP = 'INSERT' THEN
    at := NEW.valid_from;
  ELSIF NEW.name IS NOT DISTINCT FROM OLD.name THEN
    RETURN NULL;
  ELSE
    at := coalesce(nullif(current_setting('app.renamed_at', true), '')::timestamptz, now());
  END IF;
  INSERT INTO unit_names (unit_id, from_at, name, search_name) VALUES (NEW.id, at, NEW.name, NEW.search_name)
  ON CONFLICT (unit_id, from_at) DO UPDATE SET name = excluded.name, search_name = excluded.search_name;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER units_keep_names AFTER INSERT OR UPDATE OF name ON units FOR EACH ROW EXECUTE FUNCTION unit_names_keep();
--> statement-breakpoint
INSERT INTO unit_names (unit_id, from_at, name, search_name) SELECT id, valid_from, name, search_name FROM units;
