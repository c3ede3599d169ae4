/*
 * limits.h: every size cap of the pipeline, in one place.
 *
 * A hostile or corrupt input meets one of these and fails cleanly (a
 * rejected record or a fatal status naming the limit) instead of
 * exhausting memory. Change a cap here and nowhere else.
 */
#ifndef PL_LIMITS_H
#define PL_LIMITS_H

/* ingest */
#define PL_MAX_FIELD_BYTES        4096     /* one CSV/XML field */
#define PL_MAX_RECORD_BYTES       65536    /* one whole record, quotes included */
#define PL_MAX_FIELDS_PER_RECORD  128
#define PL_MAX_ACCOUNT_FILES      256      /* account files in one batch */
#define PL_MAX_MONEY_CENTS        100000000000LL  /* $1,000,000,000.00 */
#define PL_MAX_INPUT_SPECS        32       /* <accounts>/<contacts> in <input> */
#define PL_MAX_XML_DEPTH          32       /* element nesting in an account XML file */
#define PL_MAX_XML_RECORD_NODES   1024     /* nodes inside one XML record */
#define PL_MAX_MAPPING_BYTES      (1L << 20)  /* an XSLT mapping stylesheet */
#define PL_MAX_MAPPED_RECORDS     1000     /* canonical accounts out of one mapped record */
#define PL_MAX_LAYOUT_BYTES       (256L << 10) /* a fixed-width layout file */
#define PL_MAX_FIXED_LINE_BYTES   PL_MAX_RECORD_BYTES /* one fixed-width line */

/* agency profile, rules and templates */
#define PL_MAX_PROFILE_BYTES      (1L << 20)
#define PL_MAX_RULES_FILE_BYTES   (4L << 20)
#define PL_MAX_RULES              4096     /* rules in one loaded set */
#define PL_MAX_TEMPLATE_BYTES     (1L << 20)
#define PL_MAX_TEXT_BYTES         16384    /* one expanded paragraph */

/* per account */
#define PL_MAX_RULE_HITS          64       /* rules fired for one account */
#define PL_MAX_DISCLOSURES        64       /* disclosure texts in one letter */
#define PL_MAX_PAGES_PER_LETTER   12
/* The ledger's decision trace of a piece: a line per rule hit and per
 * disclosure, each well under 8 KiB; past it the piece is refused. */
#define PL_MAX_TRACE_BYTES        ((PL_MAX_RULE_HITS + PL_MAX_DISCLOSURES) * (size_t)8192)
#define PL_ARENA_BLOCK_BYTES      65536
#define PL_MAX_ARENA_BYTES        (8L << 20)

/* outputs */
/* Pieces in one print PDF unless the profile says otherwise: about 25 MB
 * of two-page letters; cairo keeps ~115 bytes per page of an open PDF. */
#define PL_DEFAULT_PIECES_PER_FILE 5000
#define PL_MAX_PATH               4096
#define PL_MAX_BATCH_ACCOUNTS     50000000L
/* the audit view (bundle/audit-html.c) */
#define PL_MAX_AUDIT_STATES       64       /* 59 USPS codes + "none" */
#define PL_MAX_VIEW_JOBS          64       /* processes writing the audit view */
#define PL_MAX_AUDIT_PART_BYTES   ((size_t)64 << 20)

#endif
