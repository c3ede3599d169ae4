/*
 * profile.h: the agency profile (agency.xml of a batch).
 *
 * Who the collector is, where it takes mail and payments, how the letters
 * reach the consumer. Loaded once per run, read by every stage, never
 * changed after loading. The file is parsed with libxml2 with network
 * access and entity loading off.
 *
 * Ownership: struct agency owns all its strings; profile_release() frees
 * them. Absent optional fields are "" (never NULL).
 */
#ifndef PL_PROFILE_H
#define PL_PROFILE_H

#include "../pl.h"
#include "diag.h"

#define PL_MAX_LICENCES 64

struct postal_address {
	char *line1, *line2, *city, *state, *postal_code;
};

struct licence {
	char *jurisdiction;   /* "NY", "US-NYC", ... */
	char *number;
};

struct agency {
	char *id;                 /* short stable id, [a-z0-9-], used in batch ids */
	char *legal_name;         /* the collector's name in letters */
	char *envelope_name;      /* return-address name; must not say "collection" */
	struct postal_address mailing;    /* disputes and requests go here */
	struct postal_address remittance; /* payments; defaults to mailing */
	char *phone;
	char *hours;              /* "from 8am to 8pm ET, Monday to Friday" */
	char *website;
	char *portal_url;         /* payment portal */
	char *dispute_url;        /* electronic disputes; "" if not accepted */
	char *mail_class;         /* "first-class" (default) or "standard" */
	int mail_drop_business_days; /* run date -> mail date offset (default 1) */
	char *letter_series;      /* letter codes in order, space-separated;
				     default "validation-notice reminder" */
	struct licence licences[PL_MAX_LICENCES];
	size_t nlicences;
};

/* Load and check path. On failure nothing is allocated and diag says why. */
PL_WARN_UNUSED int profile_load(struct agency *agency, const char *path,
				struct pl_diag *diag);
void profile_release(struct agency *agency);
/* Licence number for a jurisdiction, or NULL. Borrowed. */
const char *profile_licence(const struct agency *agency, const char *jurisdiction);

#endif
