CREATE SEQUENCE "public"."kpi_change_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
ALTER TABLE "kpi_as_of" ADD COLUMN "seq" bigint DEFAULT nextval('kpi_change_seq') NOT NULL;--> statement-breakpoint
CREATE INDEX "kpi_as_of_seq_idx" ON "kpi_as_of" USING btree ("seq");