CREATE TABLE "activity_reports" (
	"id" serial PRIMARY KEY NOT NULL,
	"external_id" text,
	"unit_id" integer NOT NULL,
	"kind" text NOT NULL,
	"date" date NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "activity_reports_kind_known" CHECK ("activity_reports"."kind" IN ('VNEID_INSTALLS', 'VNEID_ACTIVATIONS', 'DIGITAL_ACCOUNTS', 'ECOMMERCE_PRODUCTS', 'DIGITAL_SKILLS_TRAINED')),
	CONSTRAINT "activity_reports_count_nonnegative" CHECK ("activity_reports"."count" >= 0)
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"entity" text NOT NULL,
	"entity_key" text NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"idempotency_key" text,
	"tx_id" bigint
);
--> statement-breakpoint
CREATE TABLE "digital_models" (
	"id" serial PRIMARY KEY NOT NULL,
	"external_id" text NOT NULL,
	"unit_id" integer NOT NULL,
	"kind" text NOT NULL,
	"established_at" timestamp with time zone NOT NULL,
	"effective_from" timestamp with time zone,
	"ended_at" timestamp with time zone,
	CONSTRAINT "digital_models_ended_order" CHECK ("digital_models"."ended_at" IS NULL OR "digital_models"."ended_at" > "digital_models"."established_at"),
	CONSTRAINT "digital_models_effective_order" CHECK ("digital_models"."effective_from" IS NULL OR "digital_models"."effective_from" >= "digital_models"."established_at")
);
--> statement-breakpoint
CREATE TABLE "member_evaluations" (
	"member_id" integer NOT NULL,
	"year" smallint NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL,
	CONSTRAINT "member_evaluations_member_id_year_pk" PRIMARY KEY("member_id","year"),
	CONSTRAINT "member_evaluations_year_range" CHECK ("member_evaluations"."year" BETWEEN 1950 AND 2100)
);
--> statement-breakpoint
CREATE TABLE "member_unit_history" (
	"member_id" integer NOT NULL,
	"unit_id" integer NOT NULL,
	"from_at" timestamp with time zone NOT NULL,
	"to_at" timestamp with time zone NOT NULL,
	CONSTRAINT "member_unit_history_member_id_from_at_pk" PRIMARY KEY("member_id","from_at"),
	CONSTRAINT "member_unit_history_order" CHECK ("member_unit_history"."to_at" > "member_unit_history"."from_at")
);
--> statement-breakpoint
CREATE TABLE "members" (
	"id" serial PRIMARY KEY NOT NULL,
	"external_id" text NOT NULL,
	"unit_id" integer NOT NULL,
	"unit_since" timestamp with time zone NOT NULL,
	"joined_at" timestamp with time zone NOT NULL,
	"left_at" timestamp with time zone,
	"birth_year" smallint,
	"gender" text,
	"digitized_at" timestamp with time zone,
	"app_activated_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "members_left_after_joined" CHECK ("members"."left_at" IS NULL OR "members"."left_at" > "members"."joined_at"),
	CONSTRAINT "members_unit_since_in_membership" CHECK ("members"."unit_since" >= "members"."joined_at" AND ("members"."left_at" IS NULL OR "members"."unit_since" < "members"."left_at")),
	CONSTRAINT "members_birth_year_range" CHECK ("members"."birth_year" IS NULL OR "members"."birth_year" BETWEEN 1900 AND 2100),
	CONSTRAINT "members_gender_known" CHECK ("members"."gender" IS NULL OR "members"."gender" IN ('MALE', 'FEMALE', 'OTHER'))
);
--> statement-breakpoint
CREATE TABLE "relics" (
	"id" serial PRIMARY KEY NOT NULL,
	"external_id" text NOT NULL,
	"unit_id" integer NOT NULL,
	"name" text NOT NULL,
	"digitized_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "startup_products" (
	"id" serial PRIMARY KEY NOT NULL,
	"external_id" text NOT NULL,
	"unit_id" integer NOT NULL,
	"name" text NOT NULL,
	"listed_at" timestamp with time zone NOT NULL,
	"delisted_at" timestamp with time zone,
	CONSTRAINT "startup_products_order" CHECK ("startup_products"."delisted_at" IS NULL OR "startup_products"."delisted_at" > "startup_products"."listed_at")
);
--> statement-breakpoint
CREATE TABLE "targets" (
	"id" serial PRIMARY KEY NOT NULL,
	"unit_id" integer NOT NULL,
	"kpi" text NOT NULL,
	"period" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"value" numeric NOT NULL,
	CONSTRAINT "targets_kpi_known" CHECK ("targets"."kpi" IN ('DIGITAL_MODEL_COVERAGE', 'COMMUNE_TEAM_COVERAGE', 'DIGITAL_TEAM_MEMBERS', 'MEMBER_DATA_DIGITIZED', 'MEMBERS_EVALUATED', 'APP_ADOPTION', 'STARTUP_PRODUCTS_LISTED', 'RELICS_DIGITIZED', 'VNEID_INSTALLS', 'VNEID_ACTIVATIONS', 'DIGITAL_ACCOUNTS', 'ECOMMERCE_PRODUCTS', 'DIGITAL_SKILLS_TRAINED')),
	CONSTRAINT "targets_period_order" CHECK ("targets"."period_end" > "targets"."period_start"),
	CONSTRAINT "targets_value_nonnegative" CHECK ("targets"."value" >= 0)
);
--> statement-breakpoint
CREATE TABLE "team_roster" (
	"team_id" integer NOT NULL,
	"person" text NOT NULL,
	"from_at" timestamp with time zone NOT NULL,
	"to_at" timestamp with time zone,
	CONSTRAINT "team_roster_team_id_person_from_at_pk" PRIMARY KEY("team_id","person","from_at"),
	CONSTRAINT "team_roster_order" CHECK ("team_roster"."to_at" IS NULL OR "team_roster"."to_at" > "team_roster"."from_at")
);
--> statement-breakpoint
CREATE TABLE "teams" (
	"id" serial PRIMARY KEY NOT NULL,
	"external_id" text NOT NULL,
	"unit_id" integer NOT NULL,
	"established_at" timestamp with time zone NOT NULL,
	"disbanded_at" timestamp with time zone,
	CONSTRAINT "teams_disbanded_order" CHECK ("teams"."disbanded_at" IS NULL OR "teams"."disbanded_at" > "teams"."established_at")
);
--> statement-breakpoint
CREATE TABLE "units" (
	"id" serial PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"search_name" text NOT NULL,
	"level" text NOT NULL,
	"parent_id" integer,
	"path" integer[] DEFAULT '{}' NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_to" timestamp with time zone,
	"successor_id" integer,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "units_level_known" CHECK ("units"."level" IN ('CENTRAL', 'PROVINCE', 'COMMUNE', 'BLOC', 'BRANCH')),
	CONSTRAINT "units_valid_order" CHECK ("units"."valid_to" IS NULL OR "units"."valid_to" > "units"."valid_from"),
	CONSTRAINT "units_root_is_central" CHECK (("units"."parent_id" IS NULL) = ("units"."level" = 'CENTRAL')),
	CONSTRAINT "units_code_not_blank" CHECK (length(trim("units"."code")) > 0),
	CONSTRAINT "units_successor_not_self" CHECK ("units"."successor_id" IS NULL OR "units"."successor_id" <> "units"."id")
);
--> statement-breakpoint
ALTER TABLE "activity_reports" ADD CONSTRAINT "activity_reports_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "digital_models" ADD CONSTRAINT "digital_models_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "member_evaluations" ADD CONSTRAINT "member_evaluations_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "member_unit_history" ADD CONSTRAINT "member_unit_history_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "member_unit_history" ADD CONSTRAINT "member_unit_history_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "members" ADD CONSTRAINT "members_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "relics" ADD CONSTRAINT "relics_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "startup_products" ADD CONSTRAINT "startup_products_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "targets" ADD CONSTRAINT "targets_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "team_roster" ADD CONSTRAINT "team_roster_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "teams" ADD CONSTRAINT "teams_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "units" ADD CONSTRAINT "units_parent_id_units_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "units" ADD CONSTRAINT "units_successor_id_units_id_fk" FOREIGN KEY ("successor_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "activity_reports_external_id_key" ON "activity_reports" USING btree ("external_id") WHERE "activity_reports"."external_id" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "activity_reports_natural_key" ON "activity_reports" USING btree ("unit_id","kind","date") WHERE "activity_reports"."external_id" IS NULL;--> statement-breakpoint
CREATE INDEX "activity_reports_kind_date_idx" ON "activity_reports" USING btree ("kind","date");--> statement-breakpoint
CREATE INDEX "audit_log_entity_idx" ON "audit_log" USING btree ("entity","entity_key");--> statement-breakpoint
CREATE UNIQUE INDEX "audit_log_idempotency_key" ON "audit_log" USING btree ("idempotency_key") WHERE "audit_log"."idempotency_key" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "digital_models_external_id_key" ON "digital_models" USING btree ("external_id");--> statement-breakpoint
CREATE INDEX "digital_models_unit_idx" ON "digital_models" USING btree ("unit_id");--> statement-breakpoint
CREATE INDEX "member_evaluations_year_idx" ON "member_evaluations" USING btree ("year");--> statement-breakpoint
CREATE INDEX "member_unit_history_unit_idx" ON "member_unit_history" USING btree ("unit_id");--> statement-breakpoint
CREATE UNIQUE INDEX "members_external_id_key" ON "members" USING btree ("external_id");--> statement-breakpoint
CREATE INDEX "members_unit_idx" ON "members" USING btree ("unit_id");--> statement-breakpoint
CREATE UNIQUE INDEX "relics_external_id_key" ON "relics" USING btree ("external_id");--> statement-breakpoint
CREATE INDEX "relics_unit_idx" ON "relics" USING btree ("unit_id");--> statement-breakpoint
CREATE UNIQUE INDEX "startup_products_external_id_key" ON "startup_products" USING btree ("external_id");--> statement-breakpoint
CREATE INDEX "startup_products_unit_idx" ON "startup_products" USING btree ("unit_id");--> statement-breakpoint
CREATE UNIQUE INDEX "targets_unit_kpi_period_key" ON "targets" USING btree ("unit_id","kpi","period");--> statement-breakpoint
CREATE UNIQUE INDEX "teams_external_id_key" ON "teams" USING btree ("external_id");--> statement-breakpoint
CREATE INDEX "teams_unit_idx" ON "teams" USING btree ("unit_id");--> statement-breakpoint
CREATE UNIQUE INDEX "units_code_key" ON "units" USING btree ("code");--> statement-breakpoint
CREATE INDEX "units_parent_idx" ON "units" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "units_path_gin" ON "units" USING gin ("path");--> statement-breakpoint
CREATE INDEX "units_level_idx" ON "units" USING btree ("level","code");--> statement-breakpoint
CREATE INDEX "units_search_idx" ON "units" USING btree ("search_name");