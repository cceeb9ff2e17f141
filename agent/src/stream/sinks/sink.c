/* The sink registry and the calls encoders make (they count what goes
 * out; the sinks do the storing). */
#include <stddef.h>

#include "sink.h"
#include "../stream.h"

static const struct {
	enum cm_url_scheme scheme;
	const struct cm_sink_ops *ops;
} sinks[] = {
	{ CM_URL_FILE, &cm_sink_file },
	/* s3, gs, Azure page blobs (https), http: later */
};

const struct cm_sink_ops *cm_sink_find(const struct cm_url *url)
{
	size_t i;

	for (i = 0; i < sizeof(sinks) / sizeof(sinks[0]); i++)
		if (sinks[i].scheme == url->scheme)
			return sinks[i].ops;
	return NULL;
}

int cm_sink_open(struct cm_sink *s, const struct cm_sink_ops *ops,
		 const struct cm_url *url, const char *dest, uint64_t size)
{
	s->ops = ops;
	s->url = url;
	s->dest = dest;
	s->size = size;
	s->written = 0;
	s->priv = NULL;
	return ops->open(s, NULL);
}

int cm_sink_write(struct cm_sink *s, uint64_t off, const void *buf, size_t len)
{
	int r = s->ops->write(s, off, buf, len);

	if (r == 0)
		s->written += len;
	return r;
}

int cm_sink_skip(struct cm_sink *s, uint64_t off, uint64_t len)
{
	return len ? s->ops->skip(s, off, len) : 0;
}

int cm_sink_finish(struct cm_sink *s)
{
	return s->ops->finish(s);
}

void cm_sink_abort(struct cm_sink *s)
{
	s->ops->abort(s);
}
