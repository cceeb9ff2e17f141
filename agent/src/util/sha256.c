/* SHA-256 (see sha256.h).  The SHA-NI block function follows Intel's
 * "Intel SHA Extensions" white paper (2013): the state kept as ABEF/CDGH,
 * sha256rnds2 doing two rounds, sha256msg1/msg2 the message schedule
 * W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16].  Padding (FIPS 180-4
 * 5.1.1) is done here, in plain C, for both paths' tail. */
#include <mbedtls/sha256.h>
#include <stdint.h>
#include <string.h>

#include "sha256.h"

void cm_sha256_portable(const void *p, size_t len, unsigned char out[32])
{
	mbedtls_sha256_ret(p, len, out, 0);
}

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

__attribute__((target("sha,sse4.1,ssse3")))
static void blocks_ni(uint32_t st[8], const unsigned char *p, size_t n)
{
	const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i s0, s1, t, w[4], msg, abef, cdgh;
	int i;

	t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&st[0]), 0xB1);	/* CDAB */
	s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&st[4]), 0x1B);	/* EFGH */
	s0 = _mm_alignr_epi8(t, s1, 8);						/* ABEF */
	s1 = _mm_blend_epi16(s1, t, 0xF0);					/* CDGH */
	for (; n; n--, p += 64) {
		abef = s0;
		cdgh = s1;
		for (i = 0; i < 16; i++) {
			__m128i *wi = &w[i & 3];

			if (i < 4) {
				*wi = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), swap);
			} else {	/* w[i&3] holds W[i-4]: the four before are i-3..i-1 */
				*wi = _mm_sha256msg1_epu32(*wi, w[(i - 3) & 3]);
				*wi = _mm_add_epi32(*wi, _mm_alignr_epi8(w[(i - 1) & 3], w[(i - 2) & 3], 4));
				*wi = _mm_sha256msg2_epu32(*wi, w[(i - 1) & 3]);
			}
			msg = _mm_add_epi32(*wi, _mm_loadu_si128((const __m128i *)&K[4 * i]));
			s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
			s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(msg, 0x0E));
		}
		s0 = _mm_add_epi32(s0, abef);
		s1 = _mm_add_epi32(s1, cdgh);
	}
	t = _mm_shuffle_epi32(s0, 0x1B);		/* FEBA */
	s1 = _mm_shuffle_epi32(s1, 0xB1);		/* DCHG */
	_mm_storeu_si128((__m128i *)&st[0], _mm_blend_epi16(t, s1, 0xF0));	/* DCBA */
	_mm_storeu_si128((__m128i *)&st[4], _mm_alignr_epi8(s1, t, 8));	/* HGFE */
}

int cm_sha256_ni(void)
{
	static int have = -1;
	unsigned a, b, c, d;

	if (have >= 0)
		return have;
	have = 0;
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_1) && (c & bit_SSSE3) &&
	    __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA))
		have = 1;
	return have;
}

static void sha256_ni(const unsigned char *p, size_t len, unsigned char out[32])
{
	uint32_t st[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	unsigned char tail[128] = { 0 };
	size_t full = len / 64, rest = len % 64, tail_len = rest < 56 ? 64 : 128;
	uint64_t bits = (uint64_t)len * 8;
	int i;

	blocks_ni(st, p, full);
	memcpy(tail, p + full * 64, rest);
	tail[rest] = 0x80;
	for (i = 0; i < 8; i++)
		tail[tail_len - 1 - i] = (unsigned char)(bits >> (8 * i));
	blocks_ni(st, tail, tail_len / 64);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(st[i] >> 24);
		out[4 * i + 1] = (unsigned char)(st[i] >> 16);
		out[4 * i + 2] = (unsigned char)(st[i] >> 8);
		out[4 * i + 3] = (unsigned char)st[i];
	}
}

void cm_sha256(const void *p, size_t len, unsigned char out[32])
{
	if (cm_sha256_ni())
		sha256_ni(p, len, out);
	else
		cm_sha256_portable(p, len, out);
}
#else
int cm_sha256_ni(void)
{
	return 0;
}

void cm_sha256(const void *p, size_t len, unsigned char out[32])
{
	cm_sha256_portable(p, len, out);
}
#endif
