/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include "xapi-connection.h"
#include "xapi-classes.h"

G_BEGIN_DECLS

#define XP_TYPE_MIGRATE_WIZARD (xp_migrate_wizard_get_type ())
G_DECLARE_FINAL_TYPE (XpMigrateWizard, xp_migrate_wizard, XP, MIGRATE_WIZARD, GtkWindow)

/* Live migration of a running VM to another server of its pool
 * (VM.pool_migrate as a task).  Pages: destination server, summary,
 * progress.  Emits "finished" (const char *host_ref_or_null,
 * const char *error_or_null) when the migration is over. */
GtkWindow *xp_migrate_wizard_new (GtkWindow *parent,
                                  XapiVm    *vm);

G_END_DECLS
