/* Absolute deadlines on the monotonic clock, in milliseconds: every wait
 * in net/ is "until the deadline", so a budget is spent once however
 * many steps share it. */
#ifndef CM_DEADLINE_H
#define CM_DEADLINE_H

#include <stdint.h>
#include <time.h>

static inline int64_t cm_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before deadline, never negative; capped so that it
 * fits poll()'s int. */
static inline int cm_ms_left(int64_t deadline)
{
	int64_t left = deadline - cm_mono_ms();

	if (left < 0)
		return 0;
	return left > 0x7fffffff ? 0x7fffffff : (int)left;
}

#endif
