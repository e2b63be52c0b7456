BEGIN;
--
-- Create model Person
--
CREATE TABLE "family_person" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "created" datetime NOT NULL, "updated" datetime NOT NULL, "name" varchar(100) NOT NULL);
--
-- Create model Staff
--
CREATE TABLE "family_staff" ("person_ptr_id" integer NOT NULL PRIMARY KEY REFERENCES "family_person" ("id") DEFERRABLE INITIALLY DEFERRED, "role" varchar(50) NOT NULL);
--
-- Create index family_person_cr on field(s) created of model person
--
CREATE INDEX "family_person_cr" ON "family_person" ("created");
--
-- Create proxy model Patron
--
COMMIT;
