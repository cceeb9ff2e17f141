#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"

#define TESTS_MAX 512

struct test {
	const char *name;
	const char *file;
	void (*fn)(void);
};

/* Filled by constructors before main(); the runner's own state. */
static struct test tests[TESTS_MAX];
static size_t n_tests;
static int current_failed;
static char tmpdir[256];

void cm_test_register(const char *name, void (*fn)(void), const char *file)
{
	if (n_tests < TESTS_MAX)
		tests[n_tests++] = (struct test){ name, file, fn };
}

void cm_test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	current_failed = 1;
	fprintf(stderr, "  %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cm_test_failed(void)
{
	return current_failed;
}

const char *cm_test_tmpdir(void)
{
	return tmpdir;
}

static void mkdirs_for(char *path)
{
	char *p;

	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
}

void cm_test_write(const char *rel, const void *data, size_t len)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	mkdirs_for(path);
	f = fopen(path, "w");
	if (!f || fwrite(data, 1, len, f) != len) {
		fprintf(stderr, "test setup: write %s: %s\n", path, strerror(errno));
		exit(2);
	}
	fclose(f);
}

void cm_test_write_str(const char *rel, const char *text)
{
	cm_test_write(rel, text, strlen(text));
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	size_t i, passed = 0, failed = 0;

	for (i = 0; i < n_tests; i++) {
		if (filter && !strstr(tests[i].name, filter))
			continue;
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/cm-unit-XXXXXX");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			return 2;
		}
		current_failed = 0;
		tests[i].fn();
		rm_tree(tmpdir);
		printf("%s %s\n", current_failed ? "FAIL" : "ok  ", tests[i].name);
		if (current_failed)
			failed++;
		else
			passed++;
	}
	printf("%zu passed, %zu failed\n", passed, failed);
	return failed ? 1 : 0;
}
