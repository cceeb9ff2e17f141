/* How a cloud's instance metadata service is asked and read: data in each
 * clouds/<cloud>.c descriptor, interpreted by metadata.c (the I/O) and
 * mdparse.c (the pure parsers). */
#ifndef CM_MDSPEC_H
#define CM_MDSPEC_H

#include <stdbool.h>
#include <stddef.h>

enum cm_md_field {
	CM_MD_NONE = 0,
	CM_MD_INSTANCE_ID,
	CM_MD_REGION,
	CM_MD_ZONE,
	CM_MD_INSTANCE_TYPE,
	CM_MD__MAX
};

/* What a metadata answer told us. */
struct cm_instance {
	char v[CM_MD__MAX][128];
};

/* Small rewrites of answer values, as data. */
enum cm_md_xform {
	CM_XF_NONE = 0,
	CM_XF_LAST_SEGMENT,	/* "projects/1/zones/us-central1-a" -> "us-central1-a" */
	CM_XF_ZONE_REGION,	/* last segment, minus its last "-x": "us-central1" */
	CM_XF_ZONE_LETTER,	/* "us-east-1a" -> "us-east-1" (EC2-style zones) */
};

/* One value: where it is in a JSON document (dotted path) or which
 * plain-text key to GET (a path). */
struct cm_md_value {
	enum cm_md_field field;
	const char *where;
	enum cm_md_xform xform;
};

/* A session token to fetch first (IMDSv2, Akamai, Alibaba hardened
 * mode, IBM). */
struct cm_md_token {
	const char *method;		/* "PUT" or "POST" */
	const char *path;
	const char *headers[3];		/* NULL-terminated */
	const char *body;		/* NULL: empty */
	const char *json_path;		/* NULL: the whole body is the token */
	const char *send_header;	/* later requests carry "<this>: <token>" */
	const char *send_prefix;	/* e.g. "Bearer " */
	bool fallback_without;		/* refused: go on without (IMDSv1) */
};

struct cm_metadata {
	const char *host;		/* documented address, link-local mostly */
	const struct cm_md_token *token;
	const char *headers[4];		/* on every request, NULL-terminated */
	const char *require_header;	/* answers must carry it (GCE) */
	/* Either one JSON document... */
	const char *doc_path;
	const struct cm_md_value *doc_values;	/* CM_MD_NONE ends */
	const char *confirm_path;	/* JSON value that must equal ... */
	const char *confirm_value;	/* ... this, to be this cloud */
	/* ... or plain-text keys, fetched in parallel. */
	const struct cm_md_value *keys;
	/* May be probed when DMI did not name the cloud: its paths or its
	 * answers are its own.  Clouds answering only EC2-style plain keys
	 * could be anyone and are asked only when DMI names them. */
	bool blind_ok;
	size_t max;			/* answer size cap */
};

const char *cm_md_field_name(enum cm_md_field f);

/* Pure parsers (no I/O, buffers not NUL-terminated).  0, or -EBADMSG for
 * a malformed answer, -ENODATA when the instance id is missing (not this
 * cloud), -EMSGSIZE over the cap. */
int cm_md_parse_doc(const struct cm_metadata *md, const char *buf, size_t len,
		    struct cm_instance *out);
/* One plain-text key's answer into out (its field). */
int cm_md_parse_key(const struct cm_md_value *key, const char *buf, size_t len,
		    struct cm_instance *out);
/* The token out of a token answer. */
int cm_md_parse_token(const struct cm_md_token *tok, const char *buf,
		      size_t len, char *out, size_t size);
/* Why a 200 token answer was refused (r from cm_md_parse_token), for the
 * evidence: what is wrong with it, never the token itself. */
void cm_md_token_problem(const struct cm_md_token *tok, const char *buf,
			 size_t len, int r, char *out, size_t size);

#endif
