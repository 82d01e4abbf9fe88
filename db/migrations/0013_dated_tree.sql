CREATE TABLE "unit_ancestry" (
	"unit_id" integer NOT NULL,
	"view" smallint NOT NULL,
	"ancestor_id" integer NOT NULL,
	"from_at" timestamp with time zone,
	"to_at" timestamp with time zone,
	"sign" smallint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "unit_holders" (
	"unit_id" integer NOT NULL,
	"holder_id" integer NOT NULL,
	"from_at" timestamp with time zone NOT NULL,
	"to_at" timestamp with time zone,
	CONSTRAINT "unit_holders_unit_id_from_at_pk" PRIMARY KEY("unit_id","from_at")
);
--> statement-breakpoint
CREATE TABLE "unit_parent_history" (
	"unit_id" integer NOT NULL,
	"parent_id" integer NOT NULL,
	"from_at" timestamp with time zone,
	"to_at" timestamp with time zone NOT NULL,
	CONSTRAINT "unit_parent_history_unit_id_to_at_pk" PRIMARY KEY("unit_id","to_at"),
	CONSTRAINT "unit_parent_history_order" CHECK ("unit_parent_history"."from_at" IS NULL OR "unit_parent_history"."to_at" > "unit_parent_history"."from_at")
);
--> statement-breakpoint
ALTER TABLE "kpi_rollup_day" DROP CONSTRAINT "kpi_rollup_day_unit_id_series_variant_day_stripe_pk";--> statement-breakpoint
ALTER TABLE "kpi_rollup_month" DROP CONSTRAINT "kpi_rollup_month_unit_id_series_variant_month_stripe_pk";--> statement-breakpoint
ALTER TABLE "kpi_rollup_year" DROP CONSTRAINT "kpi_rollup_year_unit_id_series_variant_year_stripe_pk";--> statement-breakpoint
ALTER TABLE "kpi_rollup_day" ADD COLUMN "view" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "kpi_rollup_month" ADD COLUMN "view" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "kpi_rollup_year" ADD COLUMN "view" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "kpi_rollup_day" ADD CONSTRAINT "kpi_rollup_day_unit_id_series_variant_view_day_stripe_pk" PRIMARY KEY("unit_id","series","variant","view","day","stripe");--> statement-breakpoint
ALTER TABLE "kpi_rollup_month" ADD CONSTRAINT "kpi_rollup_month_unit_id_series_variant_view_month_stripe_pk" PRIMARY KEY("unit_id","series","variant","view","month","stripe");--> statement-breakpoint
ALTER TABLE "kpi_rollup_year" ADD CONSTRAINT "kpi_rollup_year_unit_id_series_variant_view_year_stripe_pk" PRIMARY KEY("unit_id","series","variant","view","year","stripe");--> statement-breakpoint
ALTER TABLE "units" ADD COLUMN "parent_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "units" ADD COLUMN "holdings_moved" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "unit_ancestry" ADD CONSTRAINT "unit_ancestry_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unit_ancestry" ADD CONSTRAINT "unit_ancestry_ancestor_id_units_id_fk" FOREIGN KEY ("ancestor_id") REFERENCES "public"."units"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unit_holders" ADD CONSTRAINT "unit_holders_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unit_holders" ADD CONSTRAINT "unit_holders_holder_id_units_id_fk" FOREIGN KEY ("holder_id") REFERENCES "public"."units"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unit_parent_history" ADD CONSTRAINT "unit_parent_history_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unit_parent_history" ADD CONSTRAINT "unit_parent_history_parent_id_units_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "unit_ancestry_unit_idx" ON "unit_ancestry" USING btree ("unit_id","view");--> statement-breakpoint
CREATE INDEX "unit_ancestry_ancestor_idx" ON "unit_ancestry" USING btree ("ancestor_id","view");--> statement-breakpoint
CREATE INDEX "unit_parent_history_parent_idx" ON "unit_parent_history" USING btree ("parent_id");--> statement-breakpoint
-- A unit's parent may change from a date (a re-parent, a merger, a split): the earlier
-- parents are kept in unit_parent_history, and `path` is the unit's path in today's tree.
-- The current link starts at parent_since (null: when the unit opened) and lies within the
-- parent's life.
CREATE OR REPLACE FUNCTION units_before_write() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p units%ROWTYPE;
  open_child text;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.parent_id IS DISTINCT FROM OLD.parent_id
     AND (NEW.parent_id IS NULL OR NEW.parent_since IS NOT DISTINCT FROM OLD.parent_since) THEN
    RAISE EXCEPTION 'unit %: parent cannot change but from a date (parent_since, a re-parent)', NEW.code
      USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.level IS DISTINCT FROM OLD.level THEN
    RAISE EXCEPTION 'unit %: level cannot change', NEW.code USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.parent_id IS NULL THEN
    NEW.path := ARRAY[NEW.id];
  ELSE
    SELECT * INTO p FROM units WHERE id = NEW.parent_id;
    IF unit_level_rank(p.level) >= unit_level_rank(NEW.level) THEN
      RAISE EXCEPTION 'unit %: a % cannot sit under a %', NEW.code, NEW.level, p.level
        USING ERRCODE = 'check_violation';
    END IF;
    IF coalesce(NEW.parent_since, NEW.valid_from) < p.valid_from
       OR (p.valid_to IS NOT NULL AND (NEW.valid_to IS NULL OR NEW.valid_to > p.valid_to)) THEN
      RAISE EXCEPTION 'unit %: valid period must lie within that of its parent %', NEW.code, p.code
        USING ERRCODE = 'check_violation';
    END IF;
    NEW.path := p.path || NEW.id;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.valid_to IS DISTINCT FROM OLD.valid_to AND NEW.valid_to IS NOT NULL THEN
    SELECT code INTO open_child FROM units
     WHERE parent_id = NEW.id AND (valid_to IS NULL OR valid_to > NEW.valid_to) LIMIT 1;
    IF open_child IS NOT NULL THEN
      RAISE EXCEPTION 'unit %: cannot close before its child % closes', NEW.code, open_child
        USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  -- A unit's life must keep holding its reports: none dated at or after its closing, none before it opened.
  IF TG_OP = 'UPDATE' AND (NEW.valid_to IS DISTINCT FROM OLD.valid_to OR NEW.valid_from IS DISTINCT FROM OLD.valid_from) THEN
    SELECT date::text INTO open_child FROM activity_reports
     WHERE unit_id = NEW.id
       AND ((NEW.valid_to IS NOT NULL AND (date::timestamp AT TIME ZONE INTERVAL '+07:00') >= NEW.valid_to)
            OR date < (NEW.valid_from AT TIME ZONE INTERVAL '+07:00')::date)
     LIMIT 1;
    IF open_child IS NOT NULL THEN
      RAISE EXCEPTION 'unit %: a report dated % would lie outside its life', NEW.code, open_child
        USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.valid_from IS DISTINCT FROM OLD.valid_from THEN
    SELECT code INTO open_child FROM units WHERE parent_id = NEW.id AND coalesce(parent_since, valid_from) < NEW.valid_from LIMIT 1;
    IF open_child IS NOT NULL THEN
      RAISE EXCEPTION 'unit %: cannot open after its child % opens', NEW.code, open_child
        USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  RETURN NEW;
END
$$;

--> statement-breakpoint
-- CURRENT_TREE's corrections (view 1) of the given units, from their view-0 rows.
CREATE FUNCTION unit_tree_corrections(ids int[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM unit_ancestry WHERE view = 1 AND unit_id = ANY(ids);
  -- Today's representative: the unit while open, else its successor's; none when dissolved.
  -- An open unit whose segments are all unbounded is in today's tree as it always was:
  -- it has no corrections, and most units are such.
  INSERT INTO unit_ancestry (unit_id, view, ancestor_id, from_at, to_at, sign)
  WITH RECURSIVE moved AS (
    SELECT u.id FROM units u WHERE u.id = ANY(ids)
       AND (u.valid_to IS NOT NULL OR EXISTS (
             SELECT 1 FROM unit_ancestry a WHERE a.unit_id = u.id AND a.view = 0 AND (a.from_at IS NOT NULL OR a.to_at IS NOT NULL)))
  ),
  r(unit_id, cur, open, next, depth) AS (
    SELECT id, id, valid_to IS NULL, successor_id, 0 FROM units WHERE id IN (SELECT id FROM moved)
    UNION ALL
    SELECT r.unit_id, s.id, s.valid_to IS NULL, s.successor_id, r.depth + 1 FROM r JOIN units s ON s.id = r.next WHERE NOT r.open AND r.depth < 100
  )
  SELECT unit_id, 1, ancestor_id, from_at, to_at, sum(sign)::smallint FROM (
    SELECT r.unit_id, a.id AS ancestor_id, NULL::timestamptz AS from_at, NULL::timestamptz AS to_at, 1 AS sign
      FROM r JOIN units x ON x.id = r.cur CROSS JOIN LATERAL unnest(x.path) AS a(id) WHERE r.open
    UNION ALL
    SELECT unit_id, ancestor_id, from_at, to_at, -1 FROM unit_ancestry WHERE view = 0 AND unit_id IN (SELECT id FROM moved)
  ) c GROUP BY unit_id, ancestor_id, from_at, to_at HAVING sum(sign) <> 0;
END
$$;
--> statement-breakpoint
-- Recomputes unit_holders and unit_ancestry (db/schema.ts) for the given units.
CREATE FUNCTION unit_tree_refresh(ids int[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM unit_holders WHERE unit_id = ANY(ids);
  INSERT INTO unit_holders (unit_id, holder_id, from_at, to_at)
  WITH RECURSIVE chain(unit_id, holder_id, from_at, to_at, moved, next, depth) AS (
    SELECT id, id, valid_from, valid_to, holdings_moved, successor_id, 0 FROM units WHERE id = ANY(ids)
    UNION ALL
    SELECT c.unit_id, s.id, c.to_at, s.valid_to, s.holdings_moved, s.successor_id, c.depth + 1
      FROM chain c JOIN units s ON s.id = c.next
     WHERE c.moved AND c.to_at IS NOT NULL AND (s.valid_to IS NULL OR s.valid_to > c.to_at) AND c.depth < 100
  )
  SELECT unit_id, holder_id, from_at, to_at FROM chain;

  DELETE FROM unit_ancestry WHERE unit_id = ANY(ids);
  INSERT INTO unit_ancestry (unit_id, view, ancestor_id, from_at, to_at, sign)
  WITH RECURSIVE up(unit_id, ancestor_id, from_at, to_at) AS (
    SELECT id, id, NULL::timestamptz, valid_to FROM units WHERE id = ANY(ids)
    UNION ALL
    SELECT up.unit_id, l.parent_id, greatest(up.from_at, l.from_at), least(up.to_at, l.to_at)
      FROM up CROSS JOIN LATERAL (
             SELECT u.parent_id, u.parent_since AS from_at, NULL::timestamptz AS to_at FROM units u WHERE u.id = up.ancestor_id AND u.parent_id IS NOT NULL
             UNION ALL
             SELECT h.parent_id, h.from_at, h.to_at FROM unit_parent_history h WHERE h.unit_id = up.ancestor_id
           ) l
     WHERE greatest(up.from_at, l.from_at) IS NULL OR least(up.to_at, l.to_at) IS NULL OR greatest(up.from_at, l.from_at) < least(up.to_at, l.to_at)
  ),
  -- Segments of one (unit, ancestor) that meet are one segment.
  marked AS (
    SELECT *, CASE WHEN lag(to_at) OVER w = from_at THEN 0 ELSE 1 END AS starts
      FROM up WINDOW w AS (PARTITION BY unit_id, ancestor_id ORDER BY from_at NULLS FIRST)
  ),
  grouped AS (
    SELECT *, sum(starts) OVER (PARTITION BY unit_id, ancestor_id ORDER BY from_at NULLS FIRST) AS g FROM marked
  )
  SELECT unit_id, 0, ancestor_id,
         CASE WHEN bool_or(from_at IS NULL) THEN NULL ELSE min(from_at) END,
         CASE WHEN bool_or(to_at IS NULL) THEN NULL ELSE max(to_at) END, 1
    FROM grouped GROUP BY unit_id, ancestor_id, g;

  PERFORM unit_tree_corrections(ids);
END
$$;
--> statement-breakpoint
-- The units whose holders or ancestry a change of these units can change: the units that
-- are or were below them, and the units whose line of successors reaches one of those.
CREATE FUNCTION unit_tree_affected(ids int[]) RETURNS int[] LANGUAGE sql STABLE AS $$
  WITH RECURSIVE below AS (
    SELECT unnest(ids) AS id UNION SELECT unit_id FROM unit_ancestry WHERE view = 0 AND ancestor_id = ANY(ids)
  ),
  chain(id) AS (
    SELECT id FROM below UNION SELECT u.id FROM units u JOIN chain c ON u.successor_id = c.id
  )
  SELECT coalesce(array_agg(id), '{}') FROM chain
$$;
--> statement-breakpoint
CREATE FUNCTION units_tree_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids int[] := ARRAY(SELECT id FROM added);
BEGIN
  -- A new unit came under its parent when it opened: its rows are its own and its parent's.
  -- When a parent comes in the same statement, or a unit hands on what it holds, the general way.
  IF EXISTS (SELECT 1 FROM added a WHERE a.holdings_moved OR a.parent_since IS NOT NULL OR a.parent_id = ANY(ids)) THEN
    PERFORM unit_tree_refresh(ids);
    RETURN NULL;
  END IF;
  INSERT INTO unit_holders (unit_id, holder_id, from_at, to_at) SELECT id, id, valid_from, valid_to FROM added;
  INSERT INTO unit_ancestry (unit_id, view, ancestor_id, from_at, to_at, sign)
  SELECT id, 0, id, NULL, valid_to, 1 FROM added
  UNION ALL
  SELECT u.id, 0, x.ancestor_id, x.from_at, least(x.to_at, u.valid_to), 1
    FROM added u JOIN unit_ancestry x ON x.unit_id = u.parent_id AND x.view = 0
   WHERE x.from_at IS NULL OR u.valid_to IS NULL OR x.from_at < u.valid_to;
  PERFORM unit_tree_corrections(ids);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER units_tree_after_insert AFTER INSERT ON units REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION units_tree_after_insert();
--> statement-breakpoint
CREATE FUNCTION units_tree_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  touched int[];
BEGIN
  touched := ARRAY(
    SELECT n.id FROM after_rows n JOIN before_rows o ON o.id = n.id
     WHERE (n.parent_id, n.parent_since, n.valid_from, n.valid_to, n.successor_id, n.holdings_moved, n.path)
           IS DISTINCT FROM (o.parent_id, o.parent_since, o.valid_from, o.valid_to, o.successor_id, o.holdings_moved, o.path));
  IF cardinality(touched) > 0 THEN
    PERFORM unit_tree_refresh(unit_tree_affected(touched));
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER units_tree_after_update AFTER UPDATE ON units REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows
  FOR EACH STATEMENT EXECUTE FUNCTION units_tree_after_update();
--> statement-breakpoint
SELECT unit_tree_refresh(ARRAY(SELECT id FROM units));
