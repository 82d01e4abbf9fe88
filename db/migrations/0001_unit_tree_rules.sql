-- Rules of the unit tree that a CHECK constraint cannot express.
-- A unit's parent is fixed for life (a re-parented unit is closed and a successor opened),
-- so `path` (root → self ids) never goes stale and flows count for the same ancestors forever.
CREATE FUNCTION unit_level_rank(level text) RETURNS int LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE level WHEN 'CENTRAL' THEN 0 WHEN 'PROVINCE' THEN 1 WHEN 'COMMUNE' THEN 2 WHEN 'BLOC' THEN 2 WHEN 'BRANCH' THEN 3 END
$$;
--> statement-breakpoint
CREATE FUNCTION units_before_write() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p units%ROWTYPE;
  open_child text;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.parent_id IS DISTINCT FROM OLD.parent_id THEN
    RAISE EXCEPTION 'unit %: parent cannot change; close the unit and open a successor', NEW.code
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
    IF NEW.valid_from < p.valid_from
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
  IF TG_OP = 'UPDATE' AND NEW.valid_from IS DISTINCT FROM OLD.valid_from THEN
    SELECT code INTO open_child FROM units WHERE parent_id = NEW.id AND valid_from < NEW.valid_from LIMIT 1;
    IF open_child IS NOT NULL THEN
      RAISE EXCEPTION 'unit %: cannot open after its child % opens', NEW.code, open_child
        USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER units_before_write BEFORE INSERT OR UPDATE ON units
  FOR EACH ROW EXECUTE FUNCTION units_before_write();
--> statement-breakpoint
-- Nothing of a unit can happen before it opens or at or after it closes.
CREATE FUNCTION activity_reports_in_unit_life() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  u units%ROWTYPE;
BEGIN
  -- Vietnam time is UTC+07:00 all year (no daylight saving).
  SELECT * INTO u FROM units WHERE id = NEW.unit_id;
  IF NEW.date < (u.valid_from AT TIME ZONE INTERVAL '+07:00')::date
     OR (u.valid_to IS NOT NULL AND (NEW.date::timestamp AT TIME ZONE INTERVAL '+07:00') >= u.valid_to) THEN
    RAISE EXCEPTION 'report dated % lies outside the life of unit %', NEW.date, u.code
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER activity_reports_in_unit_life BEFORE INSERT OR UPDATE ON activity_reports
  FOR EACH ROW EXECUTE FUNCTION activity_reports_in_unit_life();
