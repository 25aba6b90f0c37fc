/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include "xapi-connection.h"

G_BEGIN_DECLS

#define XP_TYPE_NEW_SR_WIZARD (xp_new_sr_wizard_get_type ())
G_DECLARE_FINAL_TYPE (XpNewSrWizard, xp_new_sr_wizard, XP, NEW_SR_WIZARD, GtkWindow)

/* The New Storage wizard: NFS or SMB/CIFS virtual disk storage ("nfs",
 * "smb") or ISO library ("iso"), iSCSI ("lvmoiscsi") and local disks
 * ("lvm", "ext"); reattaches an SR the probe finds on the storage.  Pages:
 * type, name, location (with SR.probe), summary, progress.  Emits
 * "finished" (const char *sr_ref_or_null, const char *error_or_null). */
GtkWindow *xp_new_sr_wizard_new (GtkWindow      *parent,
                                 XapiConnection *conn);

G_END_DECLS
