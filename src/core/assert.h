/* assert.h - DORM_ASSERT states an invariant of dorm's own code (never a
 * check of the caller's input: that gets an error).  Checked where dorm is
 * built with DORM_ASSERTS (the test, sanitizer and fuzz builds); elsewhere
 * it compiles to nothing, its condition not evaluated. */
#ifndef DORM_CORE_ASSERT_H
#define DORM_CORE_ASSERT_H

#ifdef DORM_ASSERTS
/* Prints "dorm: invariant broken: COND (FILE:LINE, FUNC)" and aborts. */
_Noreturn void dorm_assert__fail(const char *cond, const char *file, int line, const char *func);
#define DORM_ASSERT(cond) ((cond) ? (void)0 : dorm_assert__fail(#cond, __FILE__, __LINE__, __func__))
#else
#define DORM_ASSERT(cond) ((void)sizeof(!(cond)))
#endif

#endif
