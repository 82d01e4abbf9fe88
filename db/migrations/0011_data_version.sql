CREATE TABLE "data_version" (
	"stripe" smallint PRIMARY KEY NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
INSERT INTO "data_version" ("stripe", "version") SELECT g, 0 FROM generate_series(0, 15) AS g;--> statement-breakpoint
CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE data_version SET version = version + 1 WHERE stripe = pg_backend_pid() % 16;
  RETURN NULL;
END $$;--> statement-breakpoint
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['units', 'members', 'member_unit_history', 'member_evaluations', 'digital_models', 'teams', 'team_roster',
                           'startup_products', 'relics', 'activity_reports', 'targets', 'emulation_frameworks', 'report_flag_reviews', 'partner_keys']
  LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()', t || '_bumps_data_version', t);
    EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()', t || '_truncate_bumps_data_version', t);
  END LOOP;
END $$;
