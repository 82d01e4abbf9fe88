CREATE TABLE "kpi_as_of" (
	"unit_id" integer NOT NULL,
	"series" text NOT NULL,
	"changed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "kpi_as_of_unit_id_series_pk" PRIMARY KEY("unit_id","series")
);
--> statement-breakpoint
CREATE TABLE "kpi_rollup_day" (
	"unit_id" integer NOT NULL,
	"series" text NOT NULL,
	"variant" smallint DEFAULT 0 NOT NULL,
	"delta" bigint NOT NULL,
	"day" date NOT NULL,
	CONSTRAINT "kpi_rollup_day_unit_id_series_variant_day_pk" PRIMARY KEY("unit_id","series","variant","day")
);
--> statement-breakpoint
CREATE TABLE "kpi_rollup_month" (
	"unit_id" integer NOT NULL,
	"series" text NOT NULL,
	"variant" smallint DEFAULT 0 NOT NULL,
	"delta" bigint NOT NULL,
	"month" date NOT NULL,
	CONSTRAINT "kpi_rollup_month_unit_id_series_variant_month_pk" PRIMARY KEY("unit_id","series","variant","month"),
	CONSTRAINT "kpi_rollup_month_first_day" CHECK (extract(day from "kpi_rollup_month"."month") = 1)
);
--> statement-breakpoint
CREATE TABLE "kpi_rollup_year" (
	"unit_id" integer NOT NULL,
	"series" text NOT NULL,
	"variant" smallint DEFAULT 0 NOT NULL,
	"delta" bigint NOT NULL,
	"year" smallint NOT NULL,
	CONSTRAINT "kpi_rollup_year_unit_id_series_variant_year_pk" PRIMARY KEY("unit_id","series","variant","year")
);
--> statement-breakpoint
ALTER TABLE "kpi_as_of" ADD CONSTRAINT "kpi_as_of_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kpi_rollup_day" ADD CONSTRAINT "kpi_rollup_day_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kpi_rollup_month" ADD CONSTRAINT "kpi_rollup_month_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kpi_rollup_year" ADD CONSTRAINT "kpi_rollup_year_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;