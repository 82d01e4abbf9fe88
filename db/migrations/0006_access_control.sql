CREATE TABLE "partner_keys" (
	"id" serial PRIMARY KEY NOT NULL,
	"key_id" text NOT NULL,
	"secret_hash" text NOT NULL,
	"name" text NOT NULL,
	"unit_id" integer NOT NULL,
	"kpis" text[] NOT NULL,
	"rate_limit" integer NOT NULL,
	"persisted_only" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "partner_keys_rate_limit_positive" CHECK ("partner_keys"."rate_limit" > 0),
	CONSTRAINT "partner_keys_expiry_order" CHECK ("partner_keys"."expires_at" > "partner_keys"."created_at")
);
--> statement-breakpoint
DROP INDEX "audit_log_idempotency_key";--> statement-breakpoint
ALTER TABLE "partner_keys" ADD CONSTRAINT "partner_keys_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "partner_keys_key_id_key" ON "partner_keys" USING btree ("key_id");--> statement-breakpoint
CREATE UNIQUE INDEX "audit_log_actor_idempotency_key" ON "audit_log" USING btree ("actor","idempotency_key") WHERE "audit_log"."idempotency_key" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "activity_reports" ADD CONSTRAINT "activity_reports_count_bounded" CHECK ("activity_reports"."count" <= 1000000);