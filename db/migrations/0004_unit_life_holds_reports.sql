-- Closing a unit (or opening it later) must not leave its reports outside its life;
-- the activity_reports trigger checks the other direction, when a report is written.
CREATE OR REPLACE FUNCTION units_before_write() RETURNS trigger LANGUAGE plpgsql AS $$
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
    SELECT code INTO open_child FROM units WHERE parent_id = NEW.id AND valid_from < NEW.valid_from LIMIT 1;
    IF open_child IS NOT NULL THEN
      RAISE EXCEPTION 'unit %: cannot open after its child % opens', NEW.code, open_child
        USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  RETURN NEW;
END
$$;
