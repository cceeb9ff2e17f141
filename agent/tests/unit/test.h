/* A small unit-test runner: TEST(name) { CHECK(...); } registers itself;
 * the runner prints one line per test and ends with "N passed, N failed". */
#ifndef CM_TEST_H
#define CM_TEST_H

#include <stddef.h>
#include <string.h>

void cm_test_register(const char *name, void (*fn)(void), const char *file);
void cm_test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int cm_test_failed(void);

/* A fresh scratch directory for the running test (removed afterwards). */
const char *cm_test_tmpdir(void);
/* Writes len bytes to tmpdir/rel, creating parent directories. */
void cm_test_write(const char *rel, const void *data, size_t len);
void cm_test_write_str(const char *rel, const char *text);

#define TEST(name)							\
	static void test_##name(void);					\
	__attribute__((constructor)) static void register_##name(void)	\
	{ cm_test_register(#name, test_##name, __FILE__); }		\
	static void test_##name(void)

#define CHECK(expr) do {						\
	if (!(expr)) {							\
		cm_test_fail(__FILE__, __LINE__, "%s", #expr);		\
		return;							\
	}								\
} while (0)

#define CHECK_INT(a, b) do {						\
	long long a_ = (long long)(a), b_ = (long long)(b);		\
	if (a_ != b_) {							\
		cm_test_fail(__FILE__, __LINE__, "%s == %lld, want %lld",	\
			     #a, a_, b_);				\
		return;							\
	}								\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *a_ = (a), *b_ = (b);				\
	if (!a_ || !b_ || strcmp(a_, b_)) {				\
		cm_test_fail(__FILE__, __LINE__, "%s == \"%s\", want \"%s\"", \
			     #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)");	\
		return;							\
	}								\
} while (0)

#endif
