#include <stdio.h>
#include <stdlib.h>

#include "test.h"
#include "util/diff.h"

static struct cm_buf out;

static const char *diff(const char *a, const char *b)
{
	cm_buf_free(&out);
	cm_buf_init(&out, 1 << 20);
	if (cm_diff_unified(a, strlen(a), b, strlen(b), "a/f", "b/f", &out) < 0)
		return "(error)";
	return out.data ? out.data : "";
}

TEST(diff_basic_hunks)
{
	CHECK_STR(diff("x\n", "x\n"), "");
	CHECK_STR(diff("a\nb\nc\n", "a\nB\nc\n"),
		  "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
	CHECK_STR(diff("", "new\n"), "--- a/f\n+++ b/f\n@@ -0,0 +1 @@\n+new\n");
	CHECK_STR(diff("old\n", ""), "--- a/f\n+++ b/f\n@@ -1 +0,0 @@\n-old\n");
	CHECK_STR(diff("a\nb", "a\nb\n"),
		  "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n");
	CHECK_STR(diff("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n",
		       "1\nX\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\nY\n15\n"),
		  "--- a/f\n+++ b/f\n@@ -1,5 +1,5 @@\n 1\n-2\n+X\n 3\n 4\n 5\n"
		  "@@ -11,5 +11,5 @@\n 11\n 12\n 13\n-14\n+Y\n 15\n");
	cm_buf_free(&out);
}

/* Where equal lines leave a choice, the matches come first (the greedy
 * search's choice): a block added after a changed line keeps the blank
 * line that followed it as context, not as an insertion. */
TEST(diff_matches_equal_lines_first)
{
	CHECK_STR(diff("s\n\n# p\n", "#s\n\n# c\nt\n\n# p\n"),
		  "--- a/f\n+++ b/f\n@@ -1,3 +1,6 @@\n-s\n+#s\n \n+# c\n+t\n+\n # p\n");
	CHECK_STR(diff("a\n\nb\n", "a\n\nx\n\nb\n"),
		  "--- a/f\n+++ b/f\n@@ -1,3 +1,5 @@\n a\n \n+x\n+\n b\n");
	cm_buf_free(&out);
}

/* 4000 lines all different but for a few: a diff at the edit cap, in
 * vectors of O(N+M) (the trace of the greedy search took 256 MB). */
TEST(diff_at_the_edit_cap)
{
	size_t n = 2000, i, len = 0, cap = n * 16;
	char *a = malloc(cap), *b = malloc(cap);
	int r;

	CHECK(a && b);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(a + len, cap - len, "%zu\n", i);
	len = 0;
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(b + len, cap - len, i % 500 ? "x%zu\n" : "%zu\n", i);
	cm_buf_free(&out);
	cm_buf_init(&out, 1 << 22);
	r = cm_diff_unified(a, strlen(a), b, len, "a/f", "b/f", &out);
	CHECK_INT(r, 0);
	/* D = 2 * 1996 <= 4000: four lines stay as context */
	CHECK(strstr(out.data, "\n 500\n") && strstr(out.data, "\n 1500\n"));
	free(a);
	free(b);
	cm_buf_free(&out);
}

/* Random edits; patch(1) must turn a into b with our diff. */
TEST(diff_random_edits_apply_with_patch)
{
	char a[4096], b[4096], path[600], cmd[2048];
	size_t na, nb;
	int round, i;
	FILE *f;

	srand(42);
	for (round = 0; round < 60; round++) {
		na = nb = 0;
		for (i = 0; i < 40; i++) {
			int line = rand() % 8, op = rand() % 6;

			na += (size_t)snprintf(a + na, sizeof(a) - na, "line %d\n", line);
			if (op == 0)
				continue;	/* deleted */
			if (op == 1)
				nb += (size_t)snprintf(b + nb, sizeof(b) - nb, "new %d\n", rand() % 5);
			nb += (size_t)snprintf(b + nb, sizeof(b) - nb, "line %d\n", line);
		}
		diff(a, b);
		snprintf(path, sizeof(path), "%s/f", cm_test_tmpdir());
		f = fopen(path, "w");
		fputs(a, f);
		fclose(f);
		snprintf(path, sizeof(path), "%s/p", cm_test_tmpdir());
		f = fopen(path, "w");
		fputs(out.data ? out.data : "", f);
		fclose(f);
		snprintf(cmd, sizeof(cmd), "cd %s && patch -s -p1 -o g f < p >/dev/null 2>&1",
			 cm_test_tmpdir());
		CHECK_INT(system(cmd), 0);
		snprintf(path, sizeof(path), "%s/g", cm_test_tmpdir());
		f = fopen(path, "r");
		CHECK(f != NULL);
		na = fread(a, 1, sizeof(a) - 1, f);
		fclose(f);
		a[na] = '\0';
		CHECK_STR(a, b);
		remove(path);
	}
	cm_buf_free(&out);
}
