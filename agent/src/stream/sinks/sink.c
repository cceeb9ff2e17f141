/* The sink registry and the calls encoders make (they count what goes
 * out; the sinks do the storing). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../../log.h"
#include "sink.h"
#include "../state.h"
#include "../stream.h"

/* First match wins: a URL an Azure sink claims (match) before the plain
 * PUT sink of its scheme. */
static const struct {
	enum cm_url_scheme scheme;
	const struct cm_sink_ops *ops;
	int (*match)(const struct cm_url *url, const char *creds);	/* or NULL */
} sinks[] = {
	{ CM_URL_FILE, &cm_sink_file, NULL },
	{ CM_URL_GS, &cm_sink_gcs, NULL },
	{ CM_URL_S3, &cm_sink_s3, NULL },
	{ CM_URL_EBS, &cm_sink_ebs, NULL },
	/* an https:// URL is Azure's when it says so (host, SAS, or an
	 * account key in the creds), else a plain PUT */
	{ CM_URL_HTTPS, &cm_sink_azure, cm_sink_azure_match },
	{ CM_URL_HTTP, &cm_sink_azure, cm_sink_azure_match },
	{ CM_URL_HTTPS, &cm_sink_put, NULL },
	{ CM_URL_HTTP, &cm_sink_put, NULL },
};

const struct cm_sink_ops *cm_sink_find(const struct cm_url *url, const char *creds)
{
	size_t i;

	for (i = 0; i < sizeof(sinks) / sizeof(sinks[0]); i++)
		if (sinks[i].scheme == url->scheme &&
		    (!sinks[i].match || sinks[i].match(url, creds)))
			return sinks[i].ops;
	return NULL;
}

int cm_sink_open(struct cm_sink *s, const struct cm_sink_ops *ops,
		 const struct cm_stream_state *resume)
{
	s->ops = ops;
	s->written = 0;
	s->skipped = 0;
	s->sent = -1;
	s->result[0] = '\0';
	s->resume_from = 0;
	s->kept = 0;
	s->priv = NULL;
	return ops->open(s, resume);
}

int cm_sink_checkpoint(struct cm_sink *s, uint64_t committed, const char *session)
{
	size_t n = strlen(session);

	if (!s->state_path || !s->state)
		return 0;
	if (n >= sizeof(s->state->session))
		return cm_err(-EMSGSIZE, "dest %s: upload session too long to keep", s->dest);
	memcpy(s->state->session, session, n + 1);
	s->state->committed = committed;
	return cm_state_save(s->state_path, s->state);
}

/* What lies below resume_from was stored by the interrupted run. */
static int below_resume(struct cm_sink *s, uint64_t *off, uint64_t *len)
{
	uint64_t cut;

	if (*off + *len <= s->resume_from)
		return 1;
	if (*off >= s->resume_from)
		return 0;
	cut = s->resume_from - *off;
	*off += cut;
	*len -= cut;
	return 0;
}

int cm_sink_write(struct cm_sink *s, uint64_t off, const void *buf, size_t len)
{
	uint64_t o = off, l = len;
	int r;

	if (below_resume(s, &o, &l))
		return 0;
	r = s->ops->write(s, o, (const char *)buf + (o - off), (size_t)l);
	if (r == 0)
		s->written += l;
	return r;
}

int cm_sink_skip(struct cm_sink *s, uint64_t off, uint64_t len)
{
	int r;

	if (below_resume(s, &off, &len))
		return 0;
	r = len ? s->ops->skip(s, off, len) : 0;
	if (r == 0)
		s->skipped += len;
	return r;
}

int cm_sink_keep(struct cm_sink *s, uint64_t off, uint64_t len)
{
	int r = s->ops->keep ? s->ops->keep(s, off, len) : 0;

	if (r == 0)
		s->kept += len;
	return r;
}

int cm_sink_finish(struct cm_sink *s)
{
	int r = s->ops->finish(s);

	if (r == 0 && s->state_path)
		cm_state_remove(s->state_path);
	return r;
}

void cm_sink_abort(struct cm_sink *s)
{
	s->ops->abort(s);
	if (s->state_path)
		cm_state_remove(s->state_path);
}

void cm_sink_fail(struct cm_sink *s, int r)
{
	int resumable = (r == -EIO || r == -ETIMEDOUT) && s->ops->release &&
			s->state_path && s->state && s->state->committed;

	if (!resumable) {
		cm_sink_abort(s);
		return;
	}
	s->ops->release(s);
	fprintf(stderr, "cloudmove: stream: interrupted with %llu bytes stored at %s; "
		"the same command with --resume continues from there\n",
		(unsigned long long)s->state->committed, s->dest);
}
