/* The move's launch (launch_step.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../log.h"
#include "../record/move.h"
#include "../util/file.h"
#include "../record/requirements.h"
#include "launch_step.h"

static void note_failed(const struct cm_move_launch *m, const char *step, const char *why)
{
	if (cm_record_note_move_failed(m->root, step, why) < 0)
		cm_warn("launch: the record does not say the move failed at %s", step);
}

/* A key file the credentials name (gcp_service_account) is a path of the
 * installed system, as the credentials file itself: under the root in the
 * initramfs (/sysroot), not in the initramfs's own tree. */
static int key_file_on_root(struct cm_launch *l, const char *root)
{
	char *key = l->creds.gcp_service_account, path[sizeof(l->creds.gcp_service_account)];

	if (!key[0] || !root || !strcmp(root, "/"))
		return 0;
	if (cm_path_join(path, sizeof(path), root, key) < 0)
		return cm_err(-ENAMETOOLONG, "launch: gcp_service_account %s under %s", key, root);
	memcpy(key, path, sizeof(path));
	return 0;
}

int cm_move_launch_ask(struct cm_move_launch *m)
{
	struct cm_launch *l = &m->l;
	int r;

	m->facts[0] = '\0';
	cm_launch_init(l, cm_cloud_api_find(m->target));
	if (!l->ops) {
		cm_log(CM_LOG_ERR, "launch: no control plane for %s (launch speaks %s)",
		       m->target, cm_cloud_api_names());
		return -ENOTSUP;
	}
	cm_launch_say(m->target, "asking %s before the stream (%s)", m->target, m->spec);
	r = cm_launch_load(l, m->spec, m->creds);
	if (r == 0 && m->creds_on_root)
		r = key_file_on_root(l, m->root);
	if (r == 0)
		r = cm_launch_image(l, m->source, m->root);
	if (r == 0)
		r = cm_launch_supported(l);
	if (r == 0)
		r = cm_launch_connect(l, m->endpoint);
	if (r == 0)
		r = cm_launch_ask(l);
	if (r == 0)
		r = cm_launch_fit(l, m->root);
	if (r < 0)
		return r;
	cm_facts_from_target(&l->target, m->facts, sizeof(m->facts));
	cm_launch_say(m->target, "%s can take this disk: streaming", m->target);
	return 0;
}

/* A URL whose query may hold a signature is not printed whole. */
static int url_secret(const char *url)
{
	return strchr(url, '?') != NULL;
}

void cm_move_launch_hint(const struct cm_move_launch *m, const char *image_url,
			 const char *move_id, char *out, size_t size)
{
	snprintf(out, size, "cloudmove launch --target %s --image %s --spec %s%s%s%s%s%s%s",
		 m->target, url_secret(image_url) ? "URL" : image_url,
		 m->spec_shown ? m->spec_shown : m->spec,
		 m->creds ? " --creds " : "",
		 m->creds ? (m->creds_shown ? m->creds_shown : m->creds) : "",
		 m->endpoint ? " --api-endpoint " : "", m->endpoint ? m->endpoint : "",
		 move_id && *move_id ? " --move-id " : "", move_id ? move_id : "");
}

int cm_move_launch_finish(struct cm_move_launch *m, const char *image_url,
			  const char *move_id)
{
	struct cm_launch *l = &m->l;
	char hint[2048], exists[3 * CM_API_ID_MAX];
	const char *step = "import";
	int r;

	r = cm_launch_start(l, image_url, &l->image, move_id);
	if (r < 0 && l->result.image_id[0])
		step = "launch";
	if (r == 0 && cm_record_note_move_launched(m->root, l->result.image_id, l->result.instance_id,
					 l->result.region) < 0)
		cm_warn("launch: the record does not name the image and the instance");
	if (r == 0 && m->wait > 0) {
		step = "arrival";
		r = cm_launch_wait(l, move_id, m->wait);
		if (r == 0)
			r = -ETIMEDOUT;
	}
	if (r > 0 || (r == 0 && m->wait == 0)) {
		if (r > 0 && cm_record_note_move_arrived(m->root) < 0)
			cm_warn("launch: the record does not say the move arrived");
		return 0;
	}
	cm_launch_exists(l, exists, sizeof(exists));
	if (r == -ETIMEDOUT)
		cm_launch_say(m->target, "no arrival line on %s's console within %ld s",
			      l->result.instance_id, m->wait);
	note_failed(m, step, r == -ETIMEDOUT ? "no arrival line in time" : cm_strerror(-r));
	cm_move_launch_hint(m, image_url, move_id, hint, sizeof(hint));
	cm_launch_say(m->target, "%s%sto continue: %s%s", exists, exists[0] ? "; " : "", hint,
		      url_secret(image_url) ? " (URL: the stream's destination)" : "");
	return r;
}

void cm_move_launch_close(struct cm_move_launch *m)
{
	cm_launch_close(&m->l);
}
