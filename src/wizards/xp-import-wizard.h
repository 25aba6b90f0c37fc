/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include "xapi-connection.h"

G_BEGIN_DECLS

#define XP_TYPE_IMPORT_WIZARD (xp_import_wizard_get_type ())
G_DECLARE_FINAL_TYPE (XpImportWizard, xp_import_wizard, XP, IMPORT_WIZARD, GtkWindow)

/* The Import VM wizard: an XVA file into a storage repository of the pool
 * (xapi's /import), optionally with a home server.  Pages: file, target,
 * summary, progress.  Emits "finished" (const char *new_vm_ref_or_null,
 * const char *error_or_null) once the new VM is in the cache. */
GtkWindow *xp_import_wizard_new (GtkWindow      *parent,
                                 XapiConnection *conn);

G_END_DECLS
