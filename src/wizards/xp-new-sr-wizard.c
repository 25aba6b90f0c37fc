/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The New Storage wizard: NFS and SMB/CIFS virtual disk storage and ISO
 * libraries, iSCSI (LVM over iSCSI) and local LVM/EXT disks.
 *
 * The location page asks a server to SR.probe the storage.  iSCSI is
 * probed in three steps, as xapi's SM backend answers them: the target
 * alone fails with SR_BACKEND_FAILURE_96 carrying the XML list of IQNs;
 * target + IQN fails with SR_BACKEND_FAILURE_107 carrying the LUNs; with
 * the LUN's SCSIid the probe returns the SRs already on it.  When a probe
 * finds an SR, the user chooses between reattaching it and formatting the
 * storage anew.
 *
 * Creating is one SR.create (the SR with its PBDs, or nothing).  Reattaching
 * is SR.introduce, then PBD.create + PBD.plug for every server (the chosen
 * one for local storage), never SR.create, which would wipe the data; if a
 * step fails, the PBDs made so far are unplugged and destroyed and the
 * introduced SR is forgotten, so nothing is left half-made.  Every call runs
 * as a tracked Async task.  Passwords go to the server in device_config
 * only; the wizard never logs them. */

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "xp-new-sr-wizard.h"
#include "xp-wizard-util.h"
#include "xapi-cache.h"
#include "xapi-classes.h"
#include "xapi-error.h"
#include "xapi-task-ops.h"

enum { PAGE_TYPE, PAGE_NAME, PAGE_LOCATION, PAGE_SUMMARY, PAGE_PROGRESS, N_PAGES };
static const char *page_names[N_PAGES] = { "type", "name", "location", "summary", "progress" };

typedef enum {
  KIND_NFS,
  KIND_NFS_ISO,
  KIND_ISCSI,
  KIND_SMB,
  KIND_SMB_ISO,
  KIND_LVM,
  KIND_EXT,
  N_KINDS
} Kind;

static const struct {
  const char *button;
  const char *type;
  const char *content;
} kinds[N_KINDS] = {
  [KIND_NFS] = { "kind-vhd", "nfs", "" },
  [KIND_NFS_ISO] = { "kind-iso", "iso", "iso" },
  [KIND_ISCSI] = { "kind-iscsi", "lvmoiscsi", "" },
  [KIND_SMB] = { "kind-smb", "smb", "" },
  [KIND_SMB_ISO] = { "kind-smb-iso", "iso", "iso" },
  [KIND_LVM] = { "kind-lvm", "lvm", "user" },
  [KIND_EXT] = { "kind-ext", "ext", "user" },
};

struct _XpNewSrWizard
{
  GtkWindow       parent_instance;

  XapiConnection *conn;
  int             page;

  GtkStack       *stack;
  GtkCheckButton *kind_buttons[N_KINDS];
  GtkEntry       *name_entry;
  GtkEntry       *description_entry;
  GtkLabel       *server_label;
  GtkEntry       *server_entry;
  GtkWidget      *path_row;
  GtkEntry       *path_entry;
  GtkWidget      *credentials_box;
  GtkLabel       *user_label;
  GtkEntry       *user_entry;
  GtkLabel       *password_label;
  GtkWidget      *password_entry;
  GtkWidget      *host_row;
  GtkDropDown    *host_dropdown;
  GtkStringList  *host_names;
  GPtrArray      *hosts;          /* XapiHost, in the order of host_names */
  GtkWidget      *device_row;
  GtkEntry       *device_entry;
  GtkButton      *scan_button;
  GtkLabel       *probe_label;
  GtkWidget      *probe_box;
  GtkListBox     *probe_list;
  GtkWidget      *iqn_box;
  GtkListBox     *iqn_list;
  GtkWidget      *lun_box;
  GtkListBox     *lun_list;
  GtkWidget      *existing_box;
  GtkLabel       *existing_label;
  GtkCheckButton *reattach_button;
  GtkCheckButton *format_button;
  GtkLabel       *summary_label;
  GtkLabel       *status_label;
  GtkProgressBar *progress;
  GtkLabel       *hint_label;
  GtkButton      *back_button;
  GtkButton      *next_button;
  GtkButton      *cancel_button;

  GCancellable   *cancellable;
  guint           probe_serial;   /* answers to older probes are ignored */
  gboolean        probing;
  char           *probed_for;     /* the location the last complete probe answered for */
  char           *probe_found;    /* a sentence for the summary */
  char           *iqn;            /* iSCSI: the chosen target IQN */
  char           *scsi_id;        /* iSCSI: the chosen LUN */
  char           *lun_text;
  gint64          lun_size;
  char           *existing_uuid;  /* an SR the probe found on the storage */
  gint64          existing_size;
  char           *existing_known; /* its name when the pool already has it */

  /* creation */
  gboolean        running;
  gboolean        reattaching;
  GPtrArray      *targets;        /* XapiHost refs to attach (reattach) */
  guint           next_target;
  char           *sr_ref;
  GPtrArray      *pbds;           /* PBD refs made by this wizard */
  GArray         *plugged;        /* gboolean per PBD */
  GError         *failure;
  gboolean        rollback_incomplete;
  void          (*step_done) (XpNewSrWizard *self, JsonNode *result, GError *error);
};

G_DEFINE_FINAL_TYPE (XpNewSrWizard, xp_new_sr_wizard, GTK_TYPE_WINDOW)

enum { SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static Kind
kind (XpNewSrWizard *self)
{
  for (int k = 0; k < N_KINDS; k++)
    if (gtk_check_button_get_active (self->kind_buttons[k]))
      return k;
  return KIND_NFS;
}

static gboolean
is_local (Kind k)
{
  return k == KIND_LVM || k == KIND_EXT;
}

static gboolean
is_smb (Kind k)
{
  return k == KIND_SMB || k == KIND_SMB_ISO;
}

static gboolean
is_iso (Kind k)
{
  return k == KIND_NFS_ISO || k == KIND_SMB_ISO;
}

static const char *
kind_text (Kind k)
{
  switch (k)
    {
    case KIND_NFS: return _("NFS virtual disk storage");
    case KIND_NFS_ISO: return _("NFS ISO library");
    case KIND_ISCSI: return _("iSCSI virtual disk storage");
    case KIND_SMB: return _("SMB/CIFS virtual disk storage");
    case KIND_SMB_ISO: return _("SMB/CIFS ISO library");
    case KIND_LVM: return _("local LVM storage");
    case KIND_EXT: return _("local EXT storage");
    default: return "";
    }
}

static char *
trimmed (GtkEntry *entry)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));
}

static const char *
password (XpNewSrWizard *self)
{
  return gtk_editable_get_text (GTK_EDITABLE (self->password_entry));
}

static XapiHost *
chosen_host (XpNewSrWizard *self)
{
  guint i = gtk_drop_down_get_selected (self->host_dropdown);

  return i < self->hosts->len ? self->hosts->pdata[i] : NULL;
}

/* The server that probes and creates: the chosen one for local storage,
 * the pool master otherwise. */
static const char *
acting_host_ref (XpNewSrWizard *self)
{
  XapiObject *host = is_local (kind (self)) ? XAPI_OBJECT (chosen_host (self))
                                            : xapi_cache_get_master (xapi_connection_get_cache (self->conn));

  return host != NULL ? xapi_object_get_ref (host) : NULL;
}

/* What the SR is on, for people: "server:/path", "//server/share", … */
static char *
location_text (XpNewSrWizard *self)
{
  g_autofree char *server = trimmed (self->server_entry);
  g_autofree char *path = trimmed (self->path_entry);
  g_autofree char *device = trimmed (self->device_entry);
  Kind k = kind (self);

  if (k == KIND_NFS || k == KIND_NFS_ISO)
    return g_strdup_printf ("%s:%s", server, path);
  if (k == KIND_ISCSI)
    return g_strdup_printf (_("%s on %s (%s)"), self->lun_text ? self->lun_text : "", server,
                            self->iqn ? self->iqn : "");
  if (is_local (k))
    return g_strdup_printf (_("%s on %s"), device,
                            chosen_host (self) ? xapi_host_get_name_label (chosen_host (self)) : "");
  return g_steal_pointer (&server);
}

/* Everything a probe depends on; a probe answered for this exact key. */
static char *
location_key (XpNewSrWizard *self)
{
  g_autofree char *server = trimmed (self->server_entry);
  g_autofree char *path = trimmed (self->path_entry);
  g_autofree char *user = trimmed (self->user_entry);
  g_autofree char *device = trimmed (self->device_entry);

  return g_strdup_printf ("%d\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%u", kind (self), server, path, user, password (self),
                          self->iqn ? self->iqn : "", self->scsi_id ? self->scsi_id : "", device,
                          gtk_drop_down_get_selected (self->host_dropdown));
}

static JsonObject *
device_config (XpNewSrWizard *self)
{
  JsonObject *dc = json_object_new ();
  g_autofree char *server = trimmed (self->server_entry);
  g_autofree char *path = trimmed (self->path_entry);
  g_autofree char *user = trimmed (self->user_entry);
  g_autofree char *device = trimmed (self->device_entry);

  switch (kind (self))
    {
    case KIND_NFS:
      json_object_set_string_member (dc, "server", server);
      json_object_set_string_member (dc, "serverpath", path);
      break;
    case KIND_NFS_ISO:
      {
        g_autofree char *loc = location_text (self);
        json_object_set_string_member (dc, "location", loc);
      }
      break;
    case KIND_ISCSI:
      json_object_set_string_member (dc, "target", server);
      if (self->iqn != NULL)
        json_object_set_string_member (dc, "targetIQN", self->iqn);
      if (self->scsi_id != NULL)
        json_object_set_string_member (dc, "SCSIid", self->scsi_id);
      if (*user != '\0')
        {
          json_object_set_string_member (dc, "chapuser", user);
          json_object_set_string_member (dc, "chappassword", password (self));
        }
      break;
    case KIND_SMB:
      json_object_set_string_member (dc, "server", server);
      if (*user != '\0')
        json_object_set_string_member (dc, "username", user);
      if (*password (self) != '\0')
        json_object_set_string_member (dc, "password", password (self));
      break;
    case KIND_SMB_ISO:
      json_object_set_string_member (dc, "location", server);
      json_object_set_string_member (dc, "type", "cifs");
      if (*user != '\0')
        json_object_set_string_member (dc, "username", user);
      if (*password (self) != '\0')
        json_object_set_string_member (dc, "cifspassword", password (self));
      break;
    case KIND_LVM:
    case KIND_EXT:
      json_object_set_string_member (dc, "device", device);
      break;
    default:
      break;
    }
  return dc;
}

static gboolean
valid_share (const char *share)
{
  const char *slash;

  if (!g_str_has_prefix (share, "//") || strpbrk (share, " \t") != NULL)
    return FALSE;
  slash = strchr (share + 2, '/');
  return slash != NULL && slash > share + 2 && slash[1] != '\0';
}

static const char *
why_location_blocked (XpNewSrWizard *self)
{
  g_autofree char *server = trimmed (self->server_entry);
  g_autofree char *path = trimmed (self->path_entry);
  g_autofree char *user = trimmed (self->user_entry);
  g_autofree char *device = trimmed (self->device_entry);
  g_autofree char *key = NULL;
  Kind k = kind (self);

  switch (k)
    {
    case KIND_NFS:
    case KIND_NFS_ISO:
      if (*server == '\0')
        return _("Enter the NFS server's name or address");
      if (strpbrk (server, " :/") != NULL)
        return _("The server name must not contain spaces, “:” or “/”");
      if (path[0] != '/')
        return _("The export path must start with “/”");
      break;
    case KIND_SMB:
    case KIND_SMB_ISO:
      if (*server == '\0')
        return _("Enter the share as //server/share");
      if (!valid_share (server))
        return _("The share must look like //server/share, without spaces");
      break;
    case KIND_ISCSI:
      if (*server == '\0')
        return _("Enter the iSCSI target’s name or address");
      if (strpbrk (server, " /") != NULL)
        return _("The target must not contain spaces or “/”");
      if (*user != '\0' && *password (self) == '\0')
        return _("Enter the CHAP password, or clear the CHAP user");
      if (self->probing)
        return _("Scanning the target…");
      if (self->iqn == NULL)
        return gtk_widget_get_first_child (GTK_WIDGET (self->iqn_list)) != NULL
               ? _("Choose a target IQN") : _("Scan the target to list its IQNs");
      if (self->scsi_id == NULL)
        return gtk_widget_get_first_child (GTK_WIDGET (self->lun_list)) != NULL
               ? _("Choose a LUN") : _("Waiting for the list of LUNs");
      break;
    case KIND_LVM:
    case KIND_EXT:
      if (chosen_host (self) == NULL)
        return _("Choose the server the disk is in");
      if (!g_str_has_prefix (device, "/dev/") || device[5] == '\0' || strpbrk (device, " \t") != NULL)
        return _("The disk must be a device path such as /dev/sdb");
      break;
    default:
      break;
    }
  if (self->probing)
    return _("Scanning the server…");
  key = location_key (self);
  if (g_strcmp0 (key, self->probed_for) != 0)
    return _("Scan the server to check the location");
  /* neither attach it twice nor format storage the pool is using */
  if (self->existing_known != NULL)
    return _("The SR on this storage is already attached to the pool");
  return NULL;
}

static const char *
why_blocked (XpNewSrWizard *self)
{
  if (self->running)
    return _("The storage is being created");
  if (xapi_connection_get_state (self->conn) != XAPI_CONNECTION_STATE_CONNECTED)
    return _("The server is not connected");
  if (self->page == PAGE_NAME)
    {
      g_autofree char *name = trimmed (self->name_entry);
      if (*name == '\0')
        return _("Enter a name for the storage");
    }
  if (self->page == PAGE_LOCATION)
    return why_location_blocked (self);
  return NULL;
}

static void
update_buttons (XpNewSrWizard *self)
{
  const char *why = why_blocked (self);
  g_autofree char *server = trimmed (self->server_entry);
  gboolean can_scan = !self->probing && (is_local (kind (self)) ? chosen_host (self) != NULL : *server != '\0');

  gtk_widget_set_sensitive (GTK_WIDGET (self->next_button), why == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->next_button), self->page < PAGE_PROGRESS);
  gtk_widget_set_sensitive (GTK_WIDGET (self->back_button), self->page > PAGE_TYPE && self->page < PAGE_PROGRESS);
  gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_button), !self->running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->scan_button), can_scan);
  gtk_label_set_text (self->hint_label, why != NULL && self->page < PAGE_PROGRESS ? why : "");
  gtk_button_set_label (self->next_button, self->page == PAGE_SUMMARY ? _("_Create") : _("_Next"));
  gtk_button_set_label (self->cancel_button, self->page == PAGE_PROGRESS ? _("_Close") : _("_Cancel"));
}

static gboolean
will_reattach (XpNewSrWizard *self)
{
  return self->existing_uuid != NULL && !is_iso (kind (self)) && gtk_check_button_get_active (self->reattach_button);
}

static char *
summary_text (XpNewSrWizard *self)
{
  g_autofree char *loc = location_text (self);
  g_autofree char *where = NULL;
  const char *name = gtk_editable_get_text (GTK_EDITABLE (self->name_entry));
  Kind k = kind (self);
  GString *s = g_string_new ("");

  where = is_local (k) ? g_strdup_printf (_("the server %s only"), xapi_host_get_name_label (chosen_host (self)))
                       : g_strdup (_("every server of the pool"));
  if (will_reattach (self))
    {
      g_string_append_printf (s, _("The existing SR %s on %s will be reattached as “%s” and connected to %s. "
                                   "Its data is kept: nothing is formatted."),
                              self->existing_uuid, loc, name, where);
    }
  else
    {
      g_string_append_printf (s, _("A new %s “%s” will be created on %s and connected to %s."),
                              kind_text (k), name, loc, where);
      if (self->existing_uuid != NULL && !is_iso (k))
        {
          g_string_append (s, "\n\n");
          g_string_append_printf (s, _("Warning: the existing SR %s on this storage and every virtual disk in it "
                                       "will be permanently erased."), self->existing_uuid);
        }
      else if (k == KIND_ISCSI || is_local (k))
        {
          g_string_append (s, "\n\n");
          g_string_append_printf (s, _("Warning: %s will be formatted; anything stored on it will be erased."), loc);
        }
    }
  if (self->probe_found != NULL)
    {
      g_string_append (s, "\n");
      g_string_append (s, self->probe_found);
    }
  return g_string_free (s, FALSE);
}

static void
show_page (XpNewSrWizard *self,
           int            page)
{
  self->page = page;
  if (page == PAGE_SUMMARY)
    {
      g_autofree char *text = summary_text (self);
      gtk_label_set_text (self->summary_label, text);
    }
  gtk_stack_set_visible_child_name (self->stack, page_names[page]);
  update_buttons (self);
}

/* A readable sentence for an error; SM backend failures carry their
 * message as the second parameter. */
static char *
describe_error (const GError *error)
{
  const char *code = xapi_error_get_code_string (error);
  const char * const *params = xapi_error_get_params (error);

  if (code != NULL && g_str_has_prefix (code, "SR_BACKEND_FAILURE") && params != NULL
      && g_strv_length ((char **) params) > 1 && *params[1] != '\0')
    return g_strdup_printf (_("%s (%s)."), params[1], code);
  return xapi_error_describe (error, TRUE);
}

/* ---- probe ---- */

/* The texts of every <@tag> element of a probe answer. */
static GPtrArray *
xml_values (const char *xml,
            const char *tag)
{
  g_autofree char *pattern = g_strdup_printf ("<%s>\\s*([^<]*?)\\s*</%s>", tag, tag);
  g_autoptr(GRegex) re = g_regex_new (pattern, 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  g_regex_match (re, xml, 0, &match);
  while (g_match_info_matches (match))
    {
      g_ptr_array_add (out, g_match_info_fetch (match, 1));
      g_match_info_next (match, NULL);
    }
  return out;
}

static char *
xml_first (const char *xml,
           const char *tag)
{
  g_autoptr(GPtrArray) v = xml_values (xml, tag);

  return v->len > 0 ? g_strdup (v->pdata[0]) : NULL;
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static GtkListBoxRow *
add_row (GtkListBox *list,
         const char *text,
         const char *key,
         const char *value)
{
  GtkWidget *label = gtk_label_new (text);
  GtkWidget *row = gtk_list_box_row_new ();

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_widget_set_margin_top (label, 3);
  gtk_widget_set_margin_bottom (label, 3);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
  gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (row), value != NULL);
  gtk_widget_set_can_focus (row, value != NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
  if (value != NULL)
    g_object_set_data_full (G_OBJECT (row), key, g_strdup (value), g_free);
  gtk_list_box_append (list, row);
  return GTK_LIST_BOX_ROW (row);
}

static void
clear_existing (XpNewSrWizard *self)
{
  g_clear_pointer (&self->existing_uuid, g_free);
  g_clear_pointer (&self->existing_known, g_free);
  self->existing_size = 0;
  gtk_widget_set_visible (self->existing_box, FALSE);
}

/* Forget what was probed from stage @from on: 0 everything, 1 the LUNs
 * (the IQN changed), 2 only the final answer (the LUN changed). */
static void
clear_probe (XpNewSrWizard *self,
             int            from)
{
  self->probe_serial++;
  self->probing = FALSE;
  g_clear_pointer (&self->probed_for, g_free);
  g_clear_pointer (&self->probe_found, g_free);
  clear_existing (self);
  if (from <= 0)
    {
      clear_list (self->probe_list);
      clear_list (self->iqn_list);
      g_clear_pointer (&self->iqn, g_free);
    }
  if (from <= 1)
    {
      clear_list (self->lun_list);
      g_clear_pointer (&self->scsi_id, g_free);
      g_clear_pointer (&self->lun_text, g_free);
      self->lun_size = 0;
    }
  gtk_label_set_text (self->probe_label, "");
}

typedef struct {
  XpNewSrWizard *self;
  guint          serial;
  char          *key;
} Probe;

static void
probe_free (Probe *p)
{
  g_object_unref (p->self);
  g_free (p->key);
  g_free (p);
}

static void
show_iqns (XpNewSrWizard *self,
           const char    *xml)
{
  g_autoptr(GPtrArray) iqns = xml_values (xml, "TargetIQN");
  g_autoptr(GPtrArray) addresses = xml_values (xml, "IPAddress");
  guint n = 0;

  clear_list (self->iqn_list);
  for (guint i = 0; i < iqns->len; i++)
    {
      g_autofree char *text = NULL;
      const char *iqn = iqns->pdata[i];

      if (strcmp (iqn, "*") == 0)   /* the wildcard: every IQN of the portal */
        continue;
      text = g_strdup_printf ("%s (%s)", iqn, i < addresses->len ? (char *) addresses->pdata[i] : "");
      add_row (self->iqn_list, text, "iqn", iqn);
      n++;
    }
  {
    g_autofree char *text = g_strdup_printf (ngettext ("The target offers %u IQN: choose it below.",
                                                       "The target offers %u IQNs: choose one below.", n), n);
    gtk_label_set_text (self->probe_label, text);
  }
}

static void
show_luns (XpNewSrWizard *self,
           const char    *xml)
{
  g_autoptr(GRegex) re = g_regex_new ("<LUN>(.*?)</LUN>", G_REGEX_DOTALL, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  guint n = 0;

  clear_list (self->lun_list);
  g_regex_match (re, xml, 0, &match);
  while (g_match_info_matches (match))
    {
      g_autofree char *lun = g_match_info_fetch (match, 1);
      g_autofree char *scsi_id = xml_first (lun, "SCSIid");
      g_autofree char *size = xml_first (lun, "size");
      g_autofree char *vendor = xml_first (lun, "vendor");
      g_autofree char *lun_id = xml_first (lun, "LUNid");
      g_autofree char *size_text = g_format_size (size ? g_ascii_strtoull (size, NULL, 10) : 0);
      g_autofree char *text = g_strdup_printf (_("LUN %s: %s, %s (%s)"), lun_id ? lun_id : "?", size_text,
                                               vendor ? vendor : "", scsi_id ? scsi_id : "");
      GtkListBoxRow *row;

      if (scsi_id != NULL)
        {
          g_autofree char *short_text = g_strdup_printf (_("LUN %s (%s)"), lun_id ? lun_id : "?", size_text);
          row = add_row (self->lun_list, text, "scsi-id", scsi_id);
          g_object_set_data_full (G_OBJECT (row), "lun-text", g_steal_pointer (&short_text), g_free);
          g_object_set_data (G_OBJECT (row), "lun-size",
                             GSIZE_TO_POINTER ((gsize) (size ? g_ascii_strtoull (size, NULL, 10) : 0)));
          n++;
        }
      g_match_info_next (match, NULL);
    }
  {
    g_autofree char *text = g_strdup_printf (ngettext ("The target has %u LUN: choose it below.",
                                                       "The target has %u LUNs: choose one below.", n), n);
    gtk_label_set_text (self->probe_label, text);
  }
}

static void
show_existing (XpNewSrWizard *self,
               const char    *xml)
{
  g_autoptr(GRegex) re = g_regex_new ("<SR>(.*?)</SR>", G_REGEX_DOTALL, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *size_text = NULL;
  g_autofree char *text = NULL;
  XapiObject *known;

  g_regex_match (re, xml, 0, &match);
  if (!g_match_info_matches (match))
    return;
  {
    g_autofree char *sr = g_match_info_fetch (match, 1);
    g_autofree char *size = xml_first (sr, "size");

    self->existing_uuid = xml_first (sr, "UUID");
    self->existing_size = size != NULL ? (gint64) g_ascii_strtoull (size, NULL, 10) : self->lun_size;
  }
  if (self->existing_uuid == NULL)
    return;
  known = xapi_cache_lookup_by_uuid (xapi_connection_get_cache (self->conn), self->existing_uuid);
  if (known != NULL && XAPI_IS_SR (known))
    self->existing_known = g_strdup (xapi_sr_get_name_label (XAPI_SR (known)));
  size_text = self->existing_size > 0 ? g_format_size (self->existing_size) : g_strdup (_("unknown size"));
  if (self->existing_known != NULL)
    text = g_strdup_printf (_("This storage holds the SR %s (%s), already attached to the pool as “%s”."),
                            self->existing_uuid, size_text, self->existing_known);
  else
    text = g_strdup_printf (_("This storage already holds the SR %s (%s). Reattach it to keep its virtual disks, "
                              "or format the storage to create a new, empty SR."), self->existing_uuid, size_text);
  gtk_label_set_text (self->existing_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->reattach_button), self->existing_known == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->format_button), self->existing_known == NULL);
  gtk_widget_set_visible (self->existing_box, !is_iso (kind (self)));
}

static void
on_probed (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Probe *p = data;
  XpNewSrWizard *self = p->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = xapi_connection_call_finish (XAPI_CONNECTION (source), result, &error);
  const char *xml = node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;
  const char *code = error != NULL ? xapi_error_get_code_string (error) : NULL;
  const char * const *params = error != NULL ? xapi_error_get_params (error) : NULL;
  const char *err_xml = params != NULL && g_strv_length ((char **) params) > 2 ? params[2] : NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || p->serial != self->probe_serial)
    {
      probe_free (p);
      return;
    }
  self->probing = FALSE;
  g_clear_pointer (&self->probe_found, g_free);
  clear_existing (self);
  if (kind (self) == KIND_ISCSI && g_strcmp0 (code, "SR_BACKEND_FAILURE_96") == 0 && err_xml != NULL)
    show_iqns (self, err_xml);
  else if (kind (self) == KIND_ISCSI && g_strcmp0 (code, "SR_BACKEND_FAILURE_107") == 0 && err_xml != NULL)
    show_luns (self, err_xml);
  else if (error != NULL || xml == NULL)
    {
      g_autofree char *why = error != NULL ? describe_error (error) : g_strdup (_("no answer"));
      g_autofree char *text = g_strdup_printf (_("The scan failed: %s"), why);

      gtk_label_set_text (self->probe_label, text);
      g_clear_pointer (&self->probed_for, g_free);
    }
  else
    {
      g_autoptr(GPtrArray) paths = xml_values (xml, "Path");

      clear_list (self->probe_list);
      for (guint i = 0; i < paths->len; i++)
        add_row (self->probe_list, paths->pdata[i], "path", paths->pdata[i]);
      gtk_widget_set_visible (self->probe_box, paths->len > 0);
      show_existing (self, xml);
      if (paths->len > 0)
        self->probe_found = g_strdup_printf (ngettext ("The server exports %u path.", "The server exports %u paths.",
                                                       paths->len), paths->len);
      else if (self->existing_uuid != NULL)
        self->probe_found = g_strdup_printf (_("An SR already exists at this location: %s."), self->existing_uuid);
      else
        self->probe_found = g_strdup (_("No SR exists at this location yet."));
      gtk_label_set_text (self->probe_label, self->probe_found);
      g_free (self->probed_for);
      self->probed_for = g_strdup (p->key);
    }
  update_buttons (self);
  probe_free (p);
}

static void
start_probe (XpNewSrWizard *self)
{
  const char *host = acting_host_ref (self);
  JsonArray *params;
  Probe *p;

  if (host == NULL)
    return;
  params = json_array_new ();
  json_array_add_string_element (params, host);
  json_array_add_object_element (params, device_config (self));
  json_array_add_string_element (params, kinds[kind (self)].type);
  json_array_add_object_element (params, json_object_new ());
  p = g_new0 (Probe, 1);
  p->self = g_object_ref (self);
  p->serial = ++self->probe_serial;
  p->key = location_key (self);
  self->probing = TRUE;
  gtk_label_set_text (self->probe_label, _("Scanning…"));
  update_buttons (self);
  xapi_connection_call_async (self->conn, "SR.probe", params, self->cancellable, on_probed, p);
}

static void
on_scan (XpNewSrWizard *self)
{
  clear_probe (self, 0);
  start_probe (self);
}

static void
on_export_chosen (XpNewSrWizard *self,
                  GtkListBoxRow *row)
{
  const char *path = row != NULL ? g_object_get_data (G_OBJECT (row), "path") : NULL;

  if (path == NULL)
    return;
  gtk_editable_set_text (GTK_EDITABLE (self->path_entry), path);
  /* the probe answered for the server: the chosen export is known to exist */
  g_free (self->probed_for);
  self->probed_for = location_key (self);
  update_buttons (self);
}

static void
on_iqn_chosen (XpNewSrWizard *self,
               GtkListBoxRow *row)
{
  const char *iqn = row != NULL ? g_object_get_data (G_OBJECT (row), "iqn") : NULL;

  if (iqn == NULL || g_strcmp0 (iqn, self->iqn) == 0)
    return;
  clear_probe (self, 1);
  self->iqn = g_strdup (iqn);
  start_probe (self);
}

static void
on_lun_chosen (XpNewSrWizard *self,
               GtkListBoxRow *row)
{
  const char *scsi_id = row != NULL ? g_object_get_data (G_OBJECT (row), "scsi-id") : NULL;

  if (scsi_id == NULL || g_strcmp0 (scsi_id, self->scsi_id) == 0)
    return;
  clear_probe (self, 2);
  self->scsi_id = g_strdup (scsi_id);
  self->lun_text = g_strdup (g_object_get_data (G_OBJECT (row), "lun-text"));
  self->lun_size = (gint64) GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (row), "lun-size"));
  start_probe (self);
}

/* The server, credentials, disk or host changed: what was found is stale. */
static void
on_location_changed (XpNewSrWizard *self)
{
  clear_probe (self, 0);
  update_buttons (self);
}

/* ---- creation ---- */

static void finish (XpNewSrWizard *self);
static void rollback_next (XpNewSrWizard *self);

static void
on_task_done (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  XpNewSrWizard *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = xapi_task_wait_finish (XAPI_TASK (source), result, &error);

  g_object_unref (source);
  self->step_done (self, node, error);
  g_object_unref (self);
}

static void
on_task_created (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  XpNewSrWizard *self = data;
  g_autoptr(GError) error = NULL;
  XapiTask *task = xapi_connection_call_as_task_finish (XAPI_CONNECTION (source), result, &error);

  if (task == NULL)
    {
      self->step_done (self, NULL, error);
      g_object_unref (self);
      return;
    }
  xapi_task_wait_async (task, TRUE, NULL, on_task_done, self);
}

/* One step as a tracked Async task; @done gets its result or error. */
static void
run_task (XpNewSrWizard *self,
          const char    *method,
          JsonArray     *params,
          void         (*done) (XpNewSrWizard *, JsonNode *, GError *))
{
  self->step_done = done;
  xapi_connection_call_as_task_async (self->conn, method, params, NULL, on_task_created, g_object_ref (self));
}

static char *
result_ref (JsonNode *result)
{
  return result != NULL ? xapi_task_result_dup_ref (result) : NULL;
}

static void
set_status (XpNewSrWizard *self,
            const char    *text,
            double         fraction)
{
  gtk_label_set_text (self->status_label, text);
  gtk_progress_bar_set_fraction (self->progress, fraction);
}

static void
fail (XpNewSrWizard *self,
      GError        *error)
{
  if (self->failure == NULL)
    self->failure = error != NULL ? g_error_copy (error)
                                  : g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, _("The server returned no reference."));
  if (self->sr_ref != NULL || self->pbds->len > 0)
    set_status (self, _("Undoing what was done so far…"), gtk_progress_bar_get_fraction (self->progress));
  rollback_next (self);
}

/* -- rollback: unplug and destroy our PBDs, then forget the SR -- */

static void
on_rolled_back (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  XpNewSrWizard *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = xapi_connection_call_finish (XAPI_CONNECTION (source), result, &error);

  if (error != NULL)
    {
      /* cannot undo further: stop here; the message says to check */
      self->rollback_incomplete = TRUE;
      finish (self);
    }
  else
    rollback_next (self);
  g_object_unref (self);
}

static void
rollback_next (XpNewSrWizard *self)
{
  JsonArray *params = json_array_new ();
  const char *method;

  if (self->pbds->len > 0)
    {
      guint last = self->pbds->len - 1;
      json_array_add_string_element (params, self->pbds->pdata[last]);
      if (g_array_index (self->plugged, gboolean, last))
        {
          method = "PBD.unplug";
          g_array_index (self->plugged, gboolean, last) = FALSE;
        }
      else
        {
          method = "PBD.destroy";
          g_ptr_array_remove_index (self->pbds, last);
          g_array_remove_index (self->plugged, last);
        }
    }
  else if (self->sr_ref != NULL)
    {
      method = "SR.forget";
      json_array_add_string_element (params, self->sr_ref);
      g_clear_pointer (&self->sr_ref, g_free);
    }
  else
    {
      json_array_unref (params);
      finish (self);
      return;
    }
  xapi_connection_call_async (self->conn, method, params, NULL, on_rolled_back, g_object_ref (self));
}

/* -- reattach -- */

static void attach_next (XpNewSrWizard *self);

static void
on_plugged (XpNewSrWizard *self,
            JsonNode      *result,
            GError        *error)
{
  if (error != NULL)
    {
      fail (self, error);
      return;
    }
  g_array_index (self->plugged, gboolean, self->plugged->len - 1) = TRUE;
  self->next_target++;
  attach_next (self);
}

static void
on_pbd_created (XpNewSrWizard *self,
                JsonNode      *result,
                GError        *error)
{
  g_autofree char *ref = result_ref (result);
  gboolean no = FALSE;
  JsonArray *params;

  if (error != NULL || ref == NULL)
    {
      fail (self, error);
      return;
    }
  g_ptr_array_add (self->pbds, g_strdup (ref));
  g_array_append_val (self->plugged, no);
  params = json_array_new ();
  json_array_add_string_element (params, ref);
  run_task (self, "PBD.plug", params, on_plugged);
}

static void
attach_next (XpNewSrWizard *self)
{
  const char *host_ref;
  XapiHost *host;
  JsonObject *record;
  JsonArray *params;
  g_autofree char *text = NULL;

  if (self->next_target >= self->targets->len)
    {
      finish (self);
      return;
    }
  host_ref = self->targets->pdata[self->next_target];
  host = xapi_cache_lookup_typed (xapi_connection_get_cache (self->conn), host_ref, XAPI_TYPE_HOST);
  text = g_strdup_printf (_("Connecting the storage to %s…"), host ? xapi_host_get_name_label (host) : host_ref);
  set_status (self, text, (1.0 + self->next_target) / (1.0 + self->targets->len));
  record = json_object_new ();
  json_object_set_string_member (record, "host", host_ref);
  json_object_set_string_member (record, "SR", self->sr_ref);
  json_object_set_object_member (record, "device_config", device_config (self));
  json_object_set_object_member (record, "other_config", json_object_new ());
  params = json_array_new ();
  json_array_add_object_element (params, record);
  run_task (self, "PBD.create", params, on_pbd_created);
}

static void
on_introduced (XpNewSrWizard *self,
               JsonNode      *result,
               GError        *error)
{
  self->sr_ref = result_ref (result);
  if (error != NULL || self->sr_ref == NULL)
    {
      fail (self, error);
      return;
    }
  attach_next (self);
}

/* -- create -- */

static void
on_created (XpNewSrWizard *self,
            JsonNode      *result,
            GError        *error)
{
  /* SR.create is all or nothing: no rollback needed */
  g_autofree char *ref = result_ref (result);

  if (error != NULL || ref == NULL)
    {
      fail (self, error);
      return;
    }
  self->sr_ref = g_steal_pointer (&ref);
  finish (self);
}

static void
finish (XpNewSrWizard *self)
{
  g_autofree char *text = NULL;
  g_autofree char *sr_ref = NULL;

  self->running = FALSE;
  if (self->failure != NULL)
    {
      g_autofree char *why = describe_error (self->failure);

      if (self->rollback_incomplete)
        text = g_strdup_printf (_("The storage could not be attached: %s It could not be fully undone; "
                                  "check the storage’s connections to the servers."), why);
      else if (self->reattaching)
        text = g_strdup_printf (_("The storage could not be attached: %s Nothing was left behind."), why);
      else
        text = g_strdup_printf (_("The storage could not be created: %s Nothing was created."), why);
    }
  else
    {
      const char *name = gtk_editable_get_text (GTK_EDITABLE (self->name_entry));
      text = self->reattaching ? g_strdup_printf (_("The storage “%s” was reattached."), name)
                               : g_strdup_printf (_("The storage “%s” was created."), name);
      sr_ref = g_strdup (self->sr_ref);
    }
  set_status (self, text, self->failure == NULL ? 1.0 : 0.0);
  update_buttons (self);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, sr_ref, self->failure != NULL ? text : NULL);
}

static void
start_creation (XpNewSrWizard *self)
{
  const char *name = gtk_editable_get_text (GTK_EDITABLE (self->name_entry));
  const char *description = gtk_editable_get_text (GTK_EDITABLE (self->description_entry));
  Kind k = kind (self);
  JsonArray *p = json_array_new ();

  self->running = TRUE;
  self->reattaching = will_reattach (self);
  g_clear_error (&self->failure);
  self->rollback_incomplete = FALSE;
  g_ptr_array_set_size (self->targets, 0);
  self->next_target = 0;
  show_page (self, PAGE_PROGRESS);
  gtk_progress_bar_set_fraction (self->progress, 0.0);
  if (self->reattaching)
    {
      if (is_local (k))
        g_ptr_array_add (self->targets, g_strdup (acting_host_ref (self)));
      else
        {
          GListModel *hosts = xapi_cache_get_objects (xapi_connection_get_cache (self->conn), XAPI_TYPE_HOST);
          for (guint i = 0; i < g_list_model_get_n_items (hosts); i++)
            {
              g_autoptr(XapiObject) host = g_list_model_get_item (hosts, i);
              if (!xapi_object_is_gone (host))
                g_ptr_array_add (self->targets, g_strdup (xapi_object_get_ref (host)));
            }
        }
      json_array_add_string_element (p, self->existing_uuid);
      json_array_add_string_element (p, name);
      json_array_add_string_element (p, description);
      json_array_add_string_element (p, kinds[k].type);
      json_array_add_string_element (p, kinds[k].content);
      json_array_add_boolean_element (p, !is_local (k));
      json_array_add_object_element (p, json_object_new ());
      set_status (self, _("Introducing the existing SR…"), 0.0);
      run_task (self, "SR.introduce", p, on_introduced);
      return;
    }
  json_array_add_string_element (p, acting_host_ref (self));
  json_array_add_object_element (p, device_config (self));
  json_array_add_int_element (p, 0);
  json_array_add_string_element (p, name);
  json_array_add_string_element (p, description);
  json_array_add_string_element (p, kinds[k].type);
  json_array_add_string_element (p, kinds[k].content);
  json_array_add_boolean_element (p, !is_local (k));
  json_array_add_object_element (p, json_object_new ());
  set_status (self, is_local (k) ? _("Creating the storage on the server…")
                                 : _("Creating the storage and attaching it to every server…"), 0.0);
  gtk_progress_bar_pulse (self->progress);
  /* not cancellable: SR.create is one step on the server */
  run_task (self, "SR.create", p, on_created);
}

static void
on_next (XpNewSrWizard *self)
{
  if (why_blocked (self) != NULL)
    return;
  if (self->page == PAGE_SUMMARY)
    start_creation (self);
  else
    show_page (self, self->page + 1);
}

static void
on_back (XpNewSrWizard *self)
{
  if (self->page > PAGE_TYPE && self->page < PAGE_PROGRESS)
    show_page (self, self->page - 1);
}

static void
on_cancel (XpNewSrWizard *self)
{
  if (!self->running)
    gtk_window_destroy (GTK_WINDOW (self));
}

static gboolean
on_escape (GtkWidget *widget,
           GVariant  *args,
           gpointer   data)
{
  on_cancel (data);
  return TRUE;
}

/* Enter in a location field scans, when a scan can start. */
static void
on_location_activate (XpNewSrWizard *self)
{
  if (gtk_widget_get_sensitive (GTK_WIDGET (self->scan_button)))
    on_scan (self);
}

/* Shows the fields the chosen kind of storage needs. */
static void
on_kind_changed (XpNewSrWizard *self)
{
  Kind k = kind (self);
  gboolean nfs = k == KIND_NFS || k == KIND_NFS_ISO;

  clear_probe (self, 0);
  gtk_widget_set_visible (gtk_widget_get_parent (GTK_WIDGET (self->server_entry)), !is_local (k));
  gtk_label_set_text_with_mnemonic (self->server_label, nfs ? _("_Server") : k == KIND_ISCSI ? _("_Target host")
                                                                                            : _("_Share (//server/share)"));
  gtk_widget_set_visible (self->path_row, nfs);
  gtk_widget_set_visible (self->credentials_box, is_smb (k) || k == KIND_ISCSI);
  gtk_label_set_text_with_mnemonic (self->user_label, k == KIND_ISCSI ? _("CHAP _user (optional)") : _("_User name"));
  gtk_label_set_text_with_mnemonic (self->password_label, k == KIND_ISCSI ? _("CHAP pass_word") : _("Pass_word"));
  gtk_widget_set_visible (self->host_row, is_local (k));
  gtk_widget_set_visible (self->device_row, is_local (k));
  gtk_widget_set_visible (self->iqn_box, k == KIND_ISCSI);
  gtk_widget_set_visible (self->lun_box, k == KIND_ISCSI);
  gtk_widget_set_visible (self->probe_box, FALSE);
  update_buttons (self);
}

static gboolean
on_close_request (GtkWindow *window)
{
  return XP_NEW_SR_WIZARD (window)->running;
}

/* ---- construction ---- */

/* A label and its widget in a box of their own (hidden together). */
static GtkWidget *
field (GtkWidget  *box,
       const char *text,
       GtkWidget  *widget,
       GtkLabel  **label_out)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  GtkWidget *label = gtk_label_new_with_mnemonic (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), widget);
  gtk_box_append (GTK_BOX (row), label);
  gtk_box_append (GTK_BOX (row), widget);
  gtk_box_append (GTK_BOX (box), row);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL, -1);
  if (label_out != NULL)
    *label_out = GTK_LABEL (label);
  return row;
}

/* A titled list; returns the box holding both. */
static GtkWidget *
titled_list (GtkWidget   *box,
             const char  *title,
             const char  *name,
             GtkListBox **list_out)
{
  GtkWidget *inner = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  GtkWidget *label = gtk_label_new (title);
  GtkWidget *list = xp_wizard_named (gtk_list_box_new (), name);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_box_append (GTK_BOX (inner), label);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_accessible_update_relation (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL, -1);
  gtk_box_append (GTK_BOX (inner), list);
  gtk_box_append (GTK_BOX (box), inner);
  *list_out = GTK_LIST_BOX (list);
  return inner;
}

static void
fill_hosts (XpNewSrWizard *self)
{
  XapiCache *cache = xapi_connection_get_cache (self->conn);
  GListModel *hosts = xapi_cache_get_objects (cache, XAPI_TYPE_HOST);
  XapiObject *master = xapi_cache_get_master (cache);

  for (guint i = 0; i < g_list_model_get_n_items (hosts); i++)
    {
      g_autoptr(XapiHost) host = g_list_model_get_item (hosts, i);

      if (xapi_object_is_gone (XAPI_OBJECT (host)))
        continue;
      gtk_string_list_append (self->host_names, xapi_host_get_name_label (host));
      g_ptr_array_add (self->hosts, g_steal_pointer (&host));
    }
  for (guint i = 0; i < self->hosts->len; i++)
    if (self->hosts->pdata[i] == (gpointer) master)
      gtk_drop_down_set_selected (self->host_dropdown, i);
}

static void
xp_new_sr_wizard_dispose (GObject *object)
{
  XpNewSrWizard *self = XP_NEW_SR_WIZARD (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (xp_new_sr_wizard_parent_class)->dispose (object);
}

static void
xp_new_sr_wizard_finalize (GObject *object)
{
  XpNewSrWizard *self = XP_NEW_SR_WIZARD (object);

  g_clear_object (&self->conn);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->hosts, g_ptr_array_unref);
  g_clear_pointer (&self->targets, g_ptr_array_unref);
  g_clear_pointer (&self->pbds, g_ptr_array_unref);
  g_clear_pointer (&self->plugged, g_array_unref);
  g_clear_pointer (&self->probed_for, g_free);
  g_clear_pointer (&self->probe_found, g_free);
  g_clear_pointer (&self->iqn, g_free);
  g_clear_pointer (&self->scsi_id, g_free);
  g_clear_pointer (&self->lun_text, g_free);
  g_clear_pointer (&self->existing_uuid, g_free);
  g_clear_pointer (&self->existing_known, g_free);
  g_clear_pointer (&self->sr_ref, g_free);
  g_clear_error (&self->failure);
  G_OBJECT_CLASS (xp_new_sr_wizard_parent_class)->finalize (object);
}

static void
xp_new_sr_wizard_class_init (XpNewSrWizardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = xp_new_sr_wizard_dispose;
  object_class->finalize = xp_new_sr_wizard_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = on_close_request;

  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                           G_TYPE_STRING, G_TYPE_STRING);
}

static void
xp_new_sr_wizard_init (XpNewSrWizard *self)
{
  self->cancellable = g_cancellable_new ();
  self->hosts = g_ptr_array_new_with_free_func (g_object_unref);
  self->targets = g_ptr_array_new_with_free_func (g_free);
  self->pbds = g_ptr_array_new_with_free_func (g_free);
  self->plugged = g_array_new (FALSE, TRUE, sizeof (gboolean));
}

GtkWindow *
xp_new_sr_wizard_new (GtkWindow      *parent,
                      XapiConnection *conn)
{
  static const char *kind_labels[N_KINDS] = {
    N_("NFS _virtual disk storage"),
    N_("NFS _ISO library"),
    N_("i_SCSI virtual disk storage (LVM over iSCSI)"),
    N_("SMB/CIFS virtual disk s_torage"),
    N_("SMB/CIFS IS_O library"),
    N_("Local _LVM on a server’s disk"),
    N_("Local _EXT on a server’s disk"),
  };
  XpNewSrWizard *self;
  GtkWidget *outer, *box, *buttons, *scrolled, *w;

  g_return_val_if_fail (XAPI_IS_CONNECTION (conn), NULL);

  self = g_object_new (XP_TYPE_NEW_SR_WIZARD,
                       "title", _("New Storage"),
                       "transient-for", parent,
                       "default-width", 560,
                       "default-height", 600,
                       NULL);
  self->conn = g_object_ref (conn);

  outer = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_box_append (GTK_BOX (outer), GTK_WIDGET (self->stack));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_TYPE], _("Type of storage"));
  for (int k = 0; k < N_KINDS; k++)
    {
      self->kind_buttons[k] = GTK_CHECK_BUTTON (xp_wizard_named (gtk_check_button_new_with_mnemonic (_(kind_labels[k])),
                                                                 kinds[k].button));
      if (k > 0)
        gtk_check_button_set_group (self->kind_buttons[k], self->kind_buttons[0]);
      gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->kind_buttons[k]));
    }
  gtk_check_button_set_active (self->kind_buttons[KIND_NFS], TRUE);

  box = xp_wizard_page_box (self->stack, page_names[PAGE_NAME], _("Name"));
  self->name_entry = GTK_ENTRY (xp_wizard_named (gtk_entry_new (), "name-entry"));
  field (box, _("_Name"), GTK_WIDGET (self->name_entry), NULL);
  gtk_entry_set_activates_default (self->name_entry, TRUE);
  self->description_entry = GTK_ENTRY (xp_wizard_named (gtk_entry_new (), "description-entry"));
  field (box, _("_Description"), GTK_WIDGET (self->description_entry), NULL);

  /* the location page scrolls: iSCSI shows three lists */
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  box = xp_wizard_page_box (self->stack, page_names[PAGE_LOCATION], _("Location"));
  w = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), w);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (box), scrolled);
  box = w;

  self->server_entry = GTK_ENTRY (xp_wizard_named (gtk_entry_new (), "server-entry"));
  field (box, _("_Server"), GTK_WIDGET (self->server_entry), &self->server_label);
  self->path_entry = GTK_ENTRY (xp_wizard_named (gtk_entry_new (), "path-entry"));
  gtk_editable_set_text (GTK_EDITABLE (self->path_entry), "/");
  self->path_row = field (box, _("Export _path"), GTK_WIDGET (self->path_entry), NULL);
  self->credentials_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_box_append (GTK_BOX (box), self->credentials_box);
  self->user_entry = GTK_ENTRY (xp_wizard_named (gtk_entry_new (), "user-entry"));
  field (self->credentials_box, _("_User name"), GTK_WIDGET (self->user_entry), &self->user_label);
  self->password_entry = xp_wizard_named (gtk_password_entry_new (), "password-entry");
  gtk_password_entry_set_show_peek_icon (GTK_PASSWORD_ENTRY (self->password_entry), TRUE);
  field (self->credentials_box, _("Pass_word"), self->password_entry, &self->password_label);
  self->host_names = gtk_string_list_new (NULL);
  self->host_dropdown = GTK_DROP_DOWN (xp_wizard_named (gtk_drop_down_new (G_LIST_MODEL (self->host_names), NULL),
                                                        "host-dropdown"));
  self->host_row = field (box, _("Ser_ver with the disk"), GTK_WIDGET (self->host_dropdown), NULL);
  self->device_entry = GTK_ENTRY (xp_wizard_named (gtk_entry_new (), "device-entry"));
  gtk_editable_set_text (GTK_EDITABLE (self->device_entry), "/dev/sdb");
  self->device_row = field (box, _("_Disk device"), GTK_WIDGET (self->device_entry), NULL);

  self->scan_button = GTK_BUTTON (xp_wizard_named (gtk_button_new_with_mnemonic (_("Sc_an")), "scan-button"));
  gtk_widget_set_halign (GTK_WIDGET (self->scan_button), GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->scan_button));
  self->probe_label = GTK_LABEL (xp_wizard_named (gtk_label_new (""), "probe-label"));
  gtk_label_set_xalign (self->probe_label, 0);
  gtk_label_set_wrap (self->probe_label, TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->probe_label));
  self->probe_box = titled_list (box, _("Found on the server"), "probe-list", &self->probe_list);
  self->iqn_box = titled_list (box, _("Target IQNs"), "iqn-list", &self->iqn_list);
  self->lun_box = titled_list (box, _("LUNs"), "lun-list", &self->lun_list);

  self->existing_box = xp_wizard_named (gtk_box_new (GTK_ORIENTATION_VERTICAL, 6), "existing-box");
  self->existing_label = GTK_LABEL (xp_wizard_named (gtk_label_new (""), "existing-label"));
  gtk_label_set_wrap (self->existing_label, TRUE);
  gtk_label_set_xalign (self->existing_label, 0);
  gtk_box_append (GTK_BOX (self->existing_box), GTK_WIDGET (self->existing_label));
  self->reattach_button = GTK_CHECK_BUTTON (xp_wizard_named (
    gtk_check_button_new_with_mnemonic (_("_Reattach the existing SR and keep its data")), "reattach-button"));
  self->format_button = GTK_CHECK_BUTTON (xp_wizard_named (
    gtk_check_button_new_with_mnemonic (_("_Format: erase it and create a new SR")), "format-button"));
  gtk_check_button_set_group (self->format_button, self->reattach_button);
  gtk_check_button_set_active (self->reattach_button, TRUE);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->reattach_button), GTK_ACCESSIBLE_RELATION_DESCRIBED_BY,
                                  self->existing_label, NULL, -1);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->format_button), GTK_ACCESSIBLE_RELATION_DESCRIBED_BY,
                                  self->existing_label, NULL, -1);
  gtk_box_append (GTK_BOX (self->existing_box), GTK_WIDGET (self->reattach_button));
  gtk_box_append (GTK_BOX (self->existing_box), GTK_WIDGET (self->format_button));
  gtk_box_append (GTK_BOX (box), self->existing_box);

  box = xp_wizard_page_box (self->stack, page_names[PAGE_SUMMARY], _("Summary"));
  self->summary_label = GTK_LABEL (xp_wizard_named (gtk_label_new (""), "summary-label"));
  gtk_label_set_wrap (self->summary_label, TRUE);
  gtk_label_set_xalign (self->summary_label, 0);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->summary_label));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_PROGRESS], _("Creating"));
  self->status_label = GTK_LABEL (xp_wizard_named (gtk_label_new (""), "status-label"));
  gtk_label_set_wrap (self->status_label, TRUE);
  gtk_label_set_xalign (self->status_label, 0);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->status_label));
  self->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->progress), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Progress"), -1);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->progress));

  buttons = xp_wizard_button_bar (GTK_WINDOW (self), &self->hint_label, &self->cancel_button,
                                  &self->back_button, &self->next_button, G_CALLBACK (on_next),
                                  G_CALLBACK (on_back), G_CALLBACK (on_cancel), on_escape);
  gtk_box_append (GTK_BOX (outer), buttons);
  gtk_window_set_child (GTK_WINDOW (self), outer);

  fill_hosts (self);

  g_signal_connect_swapped (self->scan_button, "clicked", G_CALLBACK (on_scan), self);
  g_signal_connect_swapped (self->probe_list, "row-selected", G_CALLBACK (on_export_chosen), self);
  g_signal_connect_swapped (self->iqn_list, "row-selected", G_CALLBACK (on_iqn_chosen), self);
  g_signal_connect_swapped (self->lun_list, "row-selected", G_CALLBACK (on_lun_chosen), self);
  for (int k = 0; k < N_KINDS; k++)
    g_signal_connect_swapped (self->kind_buttons[k], "toggled", G_CALLBACK (on_kind_changed), self);
  g_signal_connect_swapped (self->reattach_button, "toggled", G_CALLBACK (update_buttons), self);
  g_signal_connect_swapped (self->name_entry, "changed", G_CALLBACK (update_buttons), self);
  g_signal_connect_swapped (self->server_entry, "changed", G_CALLBACK (on_location_changed), self);
  g_signal_connect_swapped (self->user_entry, "changed", G_CALLBACK (on_location_changed), self);
  g_signal_connect_swapped (self->password_entry, "changed", G_CALLBACK (on_location_changed), self);
  g_signal_connect_swapped (self->device_entry, "changed", G_CALLBACK (on_location_changed), self);
  g_signal_connect_swapped (self->host_dropdown, "notify::selected", G_CALLBACK (on_location_changed), self);
  g_signal_connect_swapped (self->path_entry, "changed", G_CALLBACK (update_buttons), self);
  g_signal_connect_swapped (self->server_entry, "activate", G_CALLBACK (on_location_activate), self);
  g_signal_connect_swapped (self->path_entry, "activate", G_CALLBACK (on_location_activate), self);
  g_signal_connect_swapped (self->user_entry, "activate", G_CALLBACK (on_location_activate), self);
  g_signal_connect_swapped (self->password_entry, "activate", G_CALLBACK (on_location_activate), self);
  g_signal_connect_swapped (self->device_entry, "activate", G_CALLBACK (on_location_activate), self);

  self->page = PAGE_TYPE;
  on_kind_changed (self);
  return GTK_WINDOW (self);
}
