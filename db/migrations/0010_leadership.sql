CREATE TABLE "emulation_frameworks" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"version" integer NOT NULL,
	"description" text,
	"criteria" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	CONSTRAINT "emulation_frameworks_version_positive" CHECK ("emulation_frameworks"."version" >= 1)
);
--> statement-breakpoint
CREATE TABLE "report_flag_reviews" (
	"id" serial PRIMARY KEY NOT NULL,
	"unit_id" integer NOT NULL,
	"kind" text NOT NULL,
	"month" date NOT NULL,
	"total" bigint NOT NULL,
	"decision" text NOT NULL,
	"note" text,
	"reviewed_by" text NOT NULL,
	"reviewed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "report_flag_reviews_decision_known" CHECK ("report_flag_reviews"."decision" IN ('CONFIRMED', 'CORRECTED')),
	CONSTRAINT "report_flag_reviews_kind_known" CHECK ("report_flag_reviews"."kind" IN ('VNEID_INSTALLS', 'VNEID_ACTIVATIONS', 'DIGITAL_ACCOUNTS', 'ECOMMERCE_PRODUCTS', 'DIGITAL_SKILLS_TRAINED'))
);
--> statement-breakpoint
ALTER TABLE "report_flag_reviews" ADD CONSTRAINT "report_flag_reviews_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "emulation_frameworks_name_version_key" ON "emulation_frameworks" USING btree ("name","version");--> statement-breakpoint
CREATE UNIQUE INDEX "report_flag_reviews_unit_kind_month_key" ON "report_flag_reviews" USING btree ("unit_id","kind","month");