/* Talking to a cloud's control plane: the target's, to launch the moved
 * image there (cloudmove launch, the move's cloudmove.launch=), and the
 * machine's own, to retire the source (cloudmove retire, after=retire).
 *
 * One file per cloud (control/aws.c, gcp.c, azure.c), each exporting one
 * const struct cm_cloud_api, listed in control.c.  Clouds without one
 * have no API we speak: launch refuses them, retire powers off.
 *
 * Every op returns 0 or -errno and logs its own one clear line on failure
 * ("launch: aws: RunInstances: InsufficientInstanceCapacity: ..."), never
 * a credential or token.  Conventions for the errno:
 *   -EACCES   the cloud refused the credentials or the permission
 *   -EDQUOT   a quota or capacity refusal
 *   -ENOENT   a named thing (type, subnet, image, instance) does not exist
 *   -EIO      transport failure or an answer we cannot read
 *   -ETIMEDOUT  a long-running operation did not end in time
 *   -ENOTSUP  the cloud cannot do what is asked (e.g. the image's
 *             firmware on this instance type)
 *
 * Every URL is built with cm_api_url(): with --api-endpoint the request
 * goes there, keeping its path and its real Host header (for tests). */
#ifndef CM_CONTROL_H
#define CM_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "../stream/creds.h"
#include "../util/buf.h"
#include "../util/http.h"
#include "spec.h"

/* Firmware a disk can boot with / an instance type supports. */
#define CM_BOOT_BIOS	0x1
#define CM_BOOT_UEFI	0x2

#define CM_API_ID_MAX	256

/* One conversation with one control plane. */
struct cm_api {
	const struct cm_cloud_api *ops;
	const char *endpoint;		/* --api-endpoint URL, or NULL */
	const char *metadata_endpoint;	/* retire: HOST:PORT, or NULL */
	const struct cm_spec *spec;	/* launch: the spec; retire: NULL */
	struct cm_creds *creds;		/* launch: the target's; retire: NULL */
	struct cm_http http;
	/* Filled by login/self_login, used by the other ops (wiped by
	 * cm_api_cleanup): a bearer token (gcp, azure) or, for aws
	 * retire, the role's credentials are put in creds-like fields. */
	char token[CM_CREDS_VALUE_MAX];
	struct cm_creds self_creds;	/* retire: the identity's (aws role) */
	/* retire: who this machine is, from its metadata */
	char self_id[CM_API_ID_MAX];	/* instance id / name */
	char self_region[128];		/* region / zone / location */
	char self_scope[CM_API_ID_MAX];	/* gcp project, azure
					 * subscription/resourceGroup */
	void *priv;			/* the cloud file's own, freed by it */
};

/* What the chosen instance type needs, as its cloud answers. */
struct cm_target_facts {
	char instance_type[128];
	char arch[16];			/* "x86_64", "arm64" */
	unsigned boot_modes;		/* CM_BOOT_* it can boot */
	int nvme;			/* its disks are NVMe */
	char drivers[256];		/* modules the guest needs, space-separated
					 * (ena, gve, mana, mlx5_core, nvme, ...) */
	char source[128];		/* which call said so (for check's findings) */
};

/* The image, as found on the disk (MBR boot code, ESP with a loader). */
struct cm_image_facts {
	unsigned firmware;		/* CM_BOOT_* the disk can boot with */
	char arch[16];			/* "x86_64", "arm64", "" unknown */
	uint64_t size;			/* bytes */
	char drivers[256];		/* relevant modules the root has (gve, ena, nvme) */
};

/* What a launch made, step by step (kept when a later step fails, so the
 * operator is told what exists). */
struct cm_launch_result {
	char snapshot_id[CM_API_ID_MAX];	/* aws: the EBS snapshot */
	char image_id[CM_API_ID_MAX];		/* AMI, GCE image, Azure managed disk */
	char instance_id[CM_API_ID_MAX];	/* instance id / VM name */
	char region[128];			/* region / zone / location */
};

struct cm_cloud_api {
	const char *cloud;			/* id, as in clouds.def */
	const char *const *spec_keys;		/* the spec's keys, NULL-terminated */
	const char *const *spec_required;	/* those that must be there */

	/* launch (target credentials in a->creds, a->spec) */
	int (*login)(struct cm_api *a);		/* token if any, then one cheap
						 * authenticated call */
	int (*describe_type)(struct cm_api *a, struct cm_target_facts *f);
	/* image_url: what the stream made (ebs://REGION/snap-..., gs://...,
	 * https://...blob...); sets r->image_id (and snapshot_id). */
	int (*import_image)(struct cm_api *a, const char *image_url,
			    const struct cm_image_facts *img,
			    struct cm_launch_result *r);
	/* Starts an instance from r->image_id; sets r->instance_id.  move_id
	 * goes into the instance's name/tags/labels where the cloud allows. */
	int (*run_instance)(struct cm_api *a, const struct cm_image_facts *img,
			    const char *move_id, struct cm_launch_result *r);
	/* The instance's serial console output so far (replaces out). */
	int (*console)(struct cm_api *a, const struct cm_launch_result *r,
		       struct cm_buf *out);

	/* retire (no creds file: the identity the cloud gives the machine) */
	int (*self_login)(struct cm_api *a);	/* credentials/token and
						 * self_id etc. from metadata */
	int (*retire_self)(struct cm_api *a, int delete);
	/* The one command that finishes by hand what retire could not, for
	 * this machine (self_id etc. as far as known). */
	void (*retire_hint)(const struct cm_api *a, int delete, char *out,
			    size_t size);
	/* Frees a->priv (optional; called by cm_api_cleanup). */
	void (*cleanup)(struct cm_api *a);
};

/* The API for cloud id, or NULL when we speak none. */
const struct cm_cloud_api *cm_cloud_api_find(const char *cloud);
/* "aws gcp azure": for usage lines. */
const char *cm_cloud_api_names(void);

/* 0 or -ENOMEM (logged).  a is zeroed first. */
int cm_api_init(struct cm_api *a, const struct cm_cloud_api *ops,
		const char *endpoint);
/* Wipes the token and credentials, frees the handle. */
void cm_api_cleanup(struct cm_api *a);

/* The URL for base ("https://ec2.us-east-1.amazonaws.com") and path
 * ("/?Action=..."), into out; with an endpoint the request goes there
 * and *host_header is set to "Host: <base's host>" (else "").
 * 0 or -ENAMETOOLONG / -EINVAL (base not http(s)://host). */
int cm_api_url(const struct cm_api *a, const char *base, const char *path,
	       char *out, size_t size, char *host_header, size_t host_size);

/* "https://HOST/PATH?Q" (a URL a cloud's answer or a key file gave):
 * base "https://HOST" into base, *path points at "/PATH?Q" in url.  Only
 * https, only hosts host_ok accepts (where our token may go), and a path
 * of printable ASCII without a fragment (nothing that ends a request line
 * or a header).  0 or -EINVAL.  Pure; fuzzed (fuzz_azure). */
int cm_api_split_url(const char *url, int (*host_ok)(const char *host, size_t len),
		     char *base, size_t base_size, const char **path);

#endif
