ALTER TABLE "kpi_as_of" ADD COLUMN "stripe" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "kpi_rollup_day" ADD COLUMN "stripe" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "kpi_rollup_month" ADD COLUMN "stripe" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "kpi_rollup_year" ADD COLUMN "stripe" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "kpi_as_of" DROP CONSTRAINT "kpi_as_of_unit_id_series_pk";--> statement-breakpoint
ALTER TABLE "kpi_rollup_day" DROP CONSTRAINT "kpi_rollup_day_unit_id_series_variant_day_pk";--> statement-breakpoint
ALTER TABLE "kpi_rollup_month" DROP CONSTRAINT "kpi_rollup_month_unit_id_series_variant_month_pk";--> statement-breakpoint
ALTER TABLE "kpi_rollup_year" DROP CONSTRAINT "kpi_rollup_year_unit_id_series_variant_year_pk";--> statement-breakpoint
ALTER TABLE "kpi_as_of" ADD CONSTRAINT "kpi_as_of_unit_id_series_stripe_pk" PRIMARY KEY("unit_id","series","stripe");--> statement-breakpoint
ALTER TABLE "kpi_rollup_day" ADD CONSTRAINT "kpi_rollup_day_unit_id_series_variant_day_stripe_pk" PRIMARY KEY("unit_id","series","variant","day","stripe");--> statement-breakpoint
ALTER TABLE "kpi_rollup_month" ADD CONSTRAINT "kpi_rollup_month_unit_id_series_variant_month_stripe_pk" PRIMARY KEY("unit_id","series","variant","month","stripe");--> statement-breakpoint
ALTER TABLE "kpi_rollup_year" ADD CONSTRAINT "kpi_rollup_year_unit_id_series_variant_year_stripe_pk" PRIMARY KEY("unit_id","series","variant","year","stripe");