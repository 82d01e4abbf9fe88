-- Search forms stored before punctuation was folded (db/load.ts, searchForm): any run of
-- what is not a letter or a digit becomes one space, as the search text does.
UPDATE "units" SET "search_name" = btrim(regexp_replace("search_name", '[^[:alnum:]]+', ' ', 'g'))
WHERE "search_name" ~ '[^[:alnum:] ]|  |^ | $';
