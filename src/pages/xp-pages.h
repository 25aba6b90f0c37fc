/* xp-pages.h: the page builders of XpDetailsView (private)
 *
 * Each builder fills an empty vertical box for one object and registers the
 * objects and lists it shows with xp_page_ctx_watch*(); a change to any of
 * them rebuilds the page (coalesced, and deferred while the user is typing).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "xp-page-util.h"

G_BEGIN_DECLS

typedef struct _XpPageCtx XpPageCtx;

void xp_page_ctx_watch        (XpPageCtx  *ctx,
                               gpointer    object);   /* XapiObject, NULL ok */
void xp_page_ctx_watch_model  (XpPageCtx  *ctx,
                               GListModel *model);    /* NULL ok */
void xp_page_ctx_watch_array  (XpPageCtx  *ctx,
                               GPtrArray  *objects);

void xp_page_general_build    (XpPageCtx *ctx, GtkBox *page, XapiObject *obj);
void xp_page_summary_build    (XpPageCtx *ctx, GtkBox *page, GPtrArray *objects);
void xp_page_memory_build     (XpPageCtx *ctx, GtkBox *page, XapiObject *obj);
void xp_page_storage_build    (XpPageCtx *ctx, GtkBox *page, XapiObject *obj);
void xp_page_network_build    (XpPageCtx *ctx, GtkBox *page, XapiObject *obj);
void xp_page_nics_build       (XpPageCtx *ctx, GtkBox *page, XapiObject *obj);
void xp_page_snapshots_build  (XpPageCtx *ctx, GtkBox *page, XapiObject *obj);
void xp_page_logs_build       (XpPageCtx *ctx, GtkBox *page, XapiObject *obj);
void xp_page_ha_build         (XpPageCtx *ctx, GtkBox *page, XapiObject *obj);

/* Write one field with "<Class>.set_<field>" (plain call); failures go to a
 * toast on the page's "obj" actions when possible, else a warning. */
void xp_page_set_field        (GtkWidget  *source,
                               XapiObject *obj,
                               const char *field,
                               JsonNode   *value);   /* transfer full */

G_END_DECLS
