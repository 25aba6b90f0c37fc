/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include "xapi-connection.h"
#include "xapi-classes.h"

G_BEGIN_DECLS

#define XP_TYPE_EXPORT_WIZARD (xp_export_wizard_get_type ())
G_DECLARE_FINAL_TYPE (XpExportWizard, xp_export_wizard, XP, EXPORT_WIZARD, GtkWindow)

/* The Export VM wizard: a halted VM to an XVA file (xapi's /export), with
 * a compression choice and a check of the written file.  Pages: vm, file,
 * summary, progress.  Emits "finished" (const char *vm_ref_or_null,
 * const char *error_or_null). */
GtkWindow *xp_export_wizard_new (GtkWindow *parent,
                                 XapiVm    *vm);

G_END_DECLS
