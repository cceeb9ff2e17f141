/* What every command gets: options, no hidden state. */
#ifndef CM_CTX_H
#define CM_CTX_H

struct cm_ctx {
	const char *root;	/* --root, NULL for the live system */
	int debug;
};

#endif
