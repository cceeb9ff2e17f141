/* spawn-time N [VAR=VALUE...] CMD [ARG...]: runs CMD N times in a clean
 * environment holding only the VAR=VALUE given (stdin, stdout and stderr
 * on /dev/null) and prints the mean wall time of one run in microseconds.
 * The same harness times both sides of a comparison, so its own cost
 * (posix_spawn from C, no shell, no env(1)) is the same on both. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <string.h>

int main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	struct timespec t0, t1;
	long n, i;
	int status;
	pid_t pid;
	char *envp[64];
	int first = 2, k = 0;

	if (argc < 3 || (n = strtol(argv[1], NULL, 10)) < 1) {
		fprintf(stderr, "usage: spawn-time N [VAR=VALUE...] CMD [ARG...]\n");
		return 2;
	}
	while (first < argc && strchr(argv[first], '=') && argv[first][0] != '/' &&
	       k < 63)
		envp[k++] = argv[first++];
	envp[k] = NULL;
	if (first >= argc) {
		fprintf(stderr, "spawn-time: no command\n");
		return 2;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		if (posix_spawn(&pid, argv[first], &fa, NULL, argv + first, envp)) {
			perror(argv[first]);
			return 1;
		}
		if (waitpid(pid, &status, 0) < 0) {
			perror("waitpid");
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.1f\n", ((t1.tv_sec - t0.tv_sec) * 1e6 +
			  (t1.tv_nsec - t0.tv_nsec) / 1e3) / (double)n);
	return 0;
}
