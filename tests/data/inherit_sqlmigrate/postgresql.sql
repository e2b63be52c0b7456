BEGIN;
--
-- Create model Person
--
CREATE TABLE "family_person" ("id" serial NOT NULL PRIMARY KEY, "created" timestamp with time zone NOT NULL, "updated" timestamp with time zone NOT NULL, "name" varchar(100) NOT NULL);
--
-- Create model Staff
--
CREATE TABLE "family_staff" ("person_ptr_id" integer NOT NULL PRIMARY KEY, "role" varchar(50) NOT NULL);
--
-- Create index family_person_cr on field(s) created of model person
--
CREATE INDEX "family_person_cr" ON "family_person" ("created");
--
-- Create proxy model Patron
--
ALTER TABLE "family_staff" ADD CONSTRAINT "family_staff_person_ptr_id_81f81ec3_fk_family_person_id" FOREIGN KEY ("person_ptr_id") REFERENCES "family_person" ("id") DEFERRABLE INITIALLY DEFERRED;
COMMIT;
