/*
 * fonts.c: the letters' fonts, and nothing but them.
 *
 * fonts/fonts.list pins each font file by SHA-256. We check every file in
 * the copied font folder against it, then give fontconfig a configuration
 * of our own (FcConfigCreate: no system folders, no user configuration)
 * holding exactly those files, so a letter looks the same on every machine
 * and a font that changed under us stops the run instead of moving text.
 * Files are added one by one rather than by folder so that a stray file
 * next to them is never used.
 *
 * The one PangoContext of the run measures at 72 dpi (a pango point is a
 * PDF point), with hint metrics off, no hinting and unrounded glyph
 * positions: the layout then does not depend on any device resolution.
 */
#include "../pl.h"
#include "typeset-int.h"
#include "../core/digest.h"
#include "../core/limits.h"
#include "../core/xalloc.h"

#include <pango/pangofc-fontmap.h>

#define FONTS_LIST "fonts.list"
#define MAX_FONT_FILES 64

/*
 * Read fonts.list and check each named file. Lines: "file sha256 source",
 * '#' starts a comment line. Adds every checked path to config.
 */
static int check_and_add(FcConfig *config, const char *fonts_dir,
			 const char *files_dir, struct pl_diag *diag)
{
	char *list_path = xasprintf("%s/%s", fonts_dir, FONTS_LIST);
	FILE *f = fopen(list_path, "r");
	char line[PL_MAX_PATH + 256];
	unsigned lineno = 0, nfiles = 0;
	int rc = PL_OK;

	if (!f) {
		rc = pl_diag_set(diag, PL_IO_OPEN, list_path, 0,
				 "cannot open font list '%s': %s", list_path,
				 strerror(errno));
		goto out;
	}
	while (rc == PL_OK && fgets(line, sizeof(line), f)) {
		char name[256], sum[PL_SHA256_HEX + 1], got[PL_SHA256_HEX];
		char *path;

		lineno++;
		if (line[0] == '#' || strspn(line, " \t\r\n") == strlen(line))
			continue;
		if (sscanf(line, "%255s %65s", name, sum) != 2 ||
		    strlen(sum) != PL_SHA256_HEX - 1 || strchr(name, '/')) {
			rc = pl_diag_set(diag, PL_RENDER, list_path, lineno,
					 "cannot read font entry '%.60s'", line);
			break;
		}
		if (++nfiles > MAX_FONT_FILES) {
			rc = pl_diag_set(diag, PL_LIMIT, list_path, lineno,
					 "more than %d font files", MAX_FONT_FILES);
			break;
		}
		path = xasprintf("%s/%s", files_dir, name);
		if (sha256_file(path, got) != PL_OK)
			rc = pl_diag_set(diag, PL_RENDER, list_path, lineno,
					 "font file '%s' is missing", path);
		else if (strcmp(got, sum))
			rc = pl_diag_set(diag, PL_RENDER, list_path, lineno,
					 "font file '%s' has SHA-256 %s, the list pins %s",
					 path, got, sum);
		else if (!FcConfigAppFontAddFile(config, (const FcChar8 *)path))
			rc = pl_diag_set(diag, PL_RENDER, list_path, lineno,
					 "fontconfig cannot load font file '%s'", path);
		free(path);
	}
	if (rc == PL_OK && ferror(f))
		rc = pl_diag_set(diag, PL_IO, list_path, 0, "cannot read '%s'",
				 list_path);
	if (rc == PL_OK && nfiles == 0)
		rc = pl_diag_set(diag, PL_RENDER, list_path, 0,
				 "font list '%s' names no font", list_path);
out:
	if (f)
		fclose(f);
	free(list_path);
	return rc;
}

int ts_fonts_load(struct ts_fonts *f, const char *fonts_dir,
		  const char *font_files_dir, struct pl_diag *diag)
{
	cairo_font_options_t *options = NULL;
	int rc = PL_OK;

	memset(f, 0, sizeof(*f));
	f->config = FcConfigCreate();
	if (!f->config)
		PL_BUG("fontconfig cannot create a configuration");
	rc = check_and_add(f->config, fonts_dir, font_files_dir, diag);

	if (rc == PL_OK) {
		f->fontmap = pango_cairo_font_map_new_for_font_type(CAIRO_FONT_TYPE_FT);
		if (!f->fontmap)
			rc = pl_diag_set(diag, PL_RENDER, NULL, 0,
					 "pango has no FreeType font map");
	}
	if (rc == PL_OK) {
		pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(f->fontmap), f->config);
		/* 72 dpi: font sizes in points are PDF units. */
		pango_cairo_font_map_set_resolution(PANGO_CAIRO_FONT_MAP(f->fontmap), 72.0);
		f->context = pango_font_map_create_context(f->fontmap);
		pango_cairo_context_set_resolution(f->context, 72.0);

		options = cairo_font_options_create();
		cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
		cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
		cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY);
		pango_cairo_context_set_font_options(f->context, options);
		pango_context_set_round_glyph_positions(f->context, FALSE);
		pango_context_set_base_dir(f->context, PANGO_DIRECTION_LTR);
		pango_context_set_language(f->context, pango_language_from_string("en"));
	}

	if (options)
		cairo_font_options_destroy(options);
	if (rc != PL_OK)
		ts_fonts_release(f);
	return rc;
}

void ts_fonts_release(struct ts_fonts *f)
{
	if (f->context)
		g_object_unref(f->context);
	if (f->fontmap) {
		/*
		 * pango 1.50 takes a reference to the FcConfig in set_config
		 * but its finalizer never drops it: detach it ourselves.
		 */
		pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(f->fontmap), NULL);
		g_object_unref(f->fontmap);
	}
	if (f->config)
		FcConfigDestroy(f->config);
	memset(f, 0, sizeof(*f));
}
