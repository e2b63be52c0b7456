/* migrations.h - what the migration tests share: a makemigrations run
 * with the answers typed at its questions and what it printed, a run then
 * applied, showmigrations' output, and the migration files summed up as the
 * Django harness prints them. */
#ifndef DORM_TEST_MIGRATIONS_H
#define DORM_TEST_MIGRATIONS_H

#include <stdbool.h>

#include <dorm.h>

/* makemigrations at verbosity 1 with `opts` (NULL: none; its in, out,
 * interactive and verbosity are set here), interactive with `answers`
 * typed when they are not NULL; what it printed, its result in *rc. */
const char *test_makemigrations(const dorm_app *const *apps, const char *answers, const dorm_makemigrations_opts *opts,
                                int *rc);
/* test_makemigrations that must succeed, then migrate (each version's
 * migration applied shows its order works on the backend). */
const char *test_makemigrations_applied(const dorm_app *const *apps, const char *answers,
                                        const dorm_makemigrations_opts *opts);
/* What showmigrations printed (as a list, or the plan with `plan`); it
 * must succeed. */
const char *test_showmigrations(const dorm_app *const *apps, bool plan);
/* The migration files of the apps, by app and name: "app/name: [initial]
 * deps", then an operation a line (a CreateModel with its fields); an
 * "_auto_<time>" name as "_auto" (the time is not Django's). */
const char *test_migrations_summary(const dorm_app *const *apps);

#endif
