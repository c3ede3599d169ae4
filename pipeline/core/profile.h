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

/*
 * An envelope window, in PDF points (1/72 in) from the top left corner of
 * page 1 (the profile writes inches).
 */
struct print_window {
	double x, y, width, height;
};

/*
 * <print>: how the vendor's envelopes and press take the letters
 * (templates/README.md, "Print settings"). Every field has a default, so a
 * profile without <print> prints as before: the common #10 double window,
 * no IMb, simplex, 6 sheets.
 */
struct print_settings {
	struct print_window return_window;     /* window="return" */
	struct print_window recipient_window;  /* window="recipient" */
	bool have_imb;            /* <imb> given: letters carry the barcode */
	char barcode_id[3];       /* 2 digits, the second 0-4 */
	char service_type[4];     /* 3 digits */
	char mailer_id[10];       /* 6 digits (000000-899999) or 9 (900000000-) */
	bool duplex;              /* every letter gets an even page count */
	int max_sheets;           /* what one #10 envelope takes; more goes flat */
	/*
	 * <pieces-per-file>: a group's PDF is cut into parts of at most this
	 * many pieces (the vendor's file size); default
	 * PL_DEFAULT_PIECES_PER_FILE, which also bounds the memory cairo
	 * keeps per page of an open PDF; 0: one file a group.
	 */
	unsigned long pieces_per_file;
};

/*
 * <input>: which files of the batch are what (docs/input-formats.md).
 * One <accounts> or <contacts> element each, in profile order. Paths are
 * stored resolved against the profile's directory ("batch/mappings/x.xsl").
 * Strings owned by the struct agency; absent ones are "".
 */
enum input_format { INPUT_CSV = 0, INPUT_XML, INPUT_FIXED };

struct input_spec {
	char *match;              /* shell pattern on the file's base name */
	bool contacts;            /* <contacts>: contact events, not accounts */
	enum input_format format;
	char *encoding;           /* "utf-8" (default), "windows-1252", "iso-8859-1" */
	char *mapping;            /* format xml: XSLT to canonical XML, or "" */
	char *record;             /* with mapping: the record element path */
	char *layout;             /* format fixed: the layout file */
	unsigned line;            /* of the element in agency.xml, for messages */
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
	struct print_settings print;
	/* <input>; ninputs 0: the defaults of ingest_batch_files(). Owned. */
	struct input_spec *inputs;
	size_t ninputs;
};

/* Load and check path. On failure nothing is allocated and diag says why. */
PL_WARN_UNUSED int profile_load(struct agency *agency, const char *path,
				struct pl_diag *diag);
void profile_release(struct agency *agency);
/*
 * The <print> defaults: the common #10 double window (return 0.5, 0.5,
 * 3.5 x 0.875 in; recipient 0.75, 1.875, 4 x 1.25 in), no IMb, simplex,
 * 6 sheets. profile_load() starts from these; code that builds a struct
 * agency by hand calls this.
 */
void profile_print_defaults(struct print_settings *print);
/* Licence number for a jurisdiction, or NULL. Borrowed. */
const char *profile_licence(const struct agency *agency, const char *jurisdiction);

#endif
