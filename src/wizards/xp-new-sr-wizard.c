/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The New Storage wizard for NFS.  The location page asks the pool master
 * to SR.probe the server (NFS: its exports; ISO: SRs already there) and
 * lists what it found; Create is one SR.create, shared, on the master.
 * SR.create either makes the SR with its PBDs or nothing, so a failure
 * leaves nothing to clean up; it cannot be interrupted once sent. */

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "xp-new-sr-wizard.h"
#include "xp-wizard-util.h"
#include "xapi-cache.h"
#include "xapi-classes.h"
#include "xapi-error.h"

enum { PAGE_TYPE, PAGE_NAME, PAGE_LOCATION, PAGE_SUMMARY, PAGE_PROGRESS, N_PAGES };
static const char *page_names[N_PAGES] = { "type", "name", "location", "summary", "progress" };

struct _XpNewSrWizard
{
  GtkWindow       parent_instance;

  XapiConnection *conn;
  int             page;

  GtkStack       *stack;
  GtkCheckButton *kind_vhd;
  GtkCheckButton *kind_iso;
  GtkEntry       *name_entry;
  GtkEntry       *description_entry;
  GtkEntry       *server_entry;
  GtkEntry       *path_entry;
  GtkButton      *scan_button;
  GtkLabel       *probe_label;
  GtkListBox     *probe_list;
  GtkLabel       *summary_label;
  GtkLabel       *status_label;
  GtkProgressBar *progress;
  GtkLabel       *hint_label;
  GtkButton      *back_button;
  GtkButton      *next_button;
  GtkButton      *cancel_button;

  GCancellable   *cancellable;
  gboolean        probing;
  char           *probed_for;    /* the location the last probe answered for */
  char           *probe_found;   /* a sentence for the summary */
  gboolean        running;
};

G_DEFINE_FINAL_TYPE (XpNewSrWizard, xp_new_sr_wizard, GTK_TYPE_WINDOW)

enum { SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static gboolean
is_iso (XpNewSrWizard *self)
{
  return gtk_check_button_get_active (self->kind_iso);
}

static char *
trimmed (GtkEntry *entry)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));
}

/* "server:/path", what a probe and the SR are for. */
static char *
location (XpNewSrWizard *self)
{
  g_autofree char *server = trimmed (self->server_entry);
  g_autofree char *path = trimmed (self->path_entry);

  return g_strdup_printf ("%s:%s", server, path);
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
    {
      g_autofree char *server = trimmed (self->server_entry);
      g_autofree char *path = trimmed (self->path_entry);
      g_autofree char *loc = NULL;

      if (*server == '\0')
        return _("Enter the NFS server's name or address");
      if (strpbrk (server, " :/") != NULL)
        return _("The server name must not contain spaces, “:” or “/”");
      if (path[0] != '/')
        return _("The export path must start with “/”");
      if (self->probing)
        return _("Scanning the server…");
      loc = location (self);
      if (g_strcmp0 (loc, self->probed_for) != 0)
        return _("Scan the server to check the location");
    }
  return NULL;
}

static void
update_buttons (XpNewSrWizard *self)
{
  const char *why = why_blocked (self);
  g_autofree char *server = trimmed (self->server_entry);

  gtk_widget_set_sensitive (GTK_WIDGET (self->next_button), why == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->next_button), self->page < PAGE_PROGRESS);
  gtk_widget_set_sensitive (GTK_WIDGET (self->back_button), self->page > PAGE_TYPE && self->page < PAGE_PROGRESS);
  gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_button), !self->running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->scan_button), !self->probing && *server != '\0');
  gtk_label_set_text (self->hint_label, why != NULL && self->page < PAGE_PROGRESS ? why : "");
  gtk_button_set_label (self->next_button, self->page == PAGE_SUMMARY ? _("_Create") : _("_Next"));
  gtk_button_set_label (self->cancel_button, self->page == PAGE_PROGRESS ? _("_Close") : _("_Cancel"));
}

static void
show_page (XpNewSrWizard *self,
           int            page)
{
  self->page = page;
  if (page == PAGE_SUMMARY)
    {
      g_autofree char *loc = location (self);
      g_autofree char *text = NULL;

      text = g_strdup_printf (_("A shared %s “%s” will be created on every server of the pool from %s.\n%s"),
                              is_iso (self) ? _("NFS ISO library") : _("NFS virtual disk storage"),
                              gtk_editable_get_text (GTK_EDITABLE (self->name_entry)), loc,
                              self->probe_found != NULL ? self->probe_found : "");
      gtk_label_set_text (self->summary_label, text);
    }
  gtk_stack_set_visible_child_name (self->stack, page_names[page]);
  update_buttons (self);
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

static void
clear_probe_list (XpNewSrWizard *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->probe_list))) != NULL)
    gtk_list_box_remove (self->probe_list, child);
}

static void
add_probe_row (XpNewSrWizard *self,
               const char    *text,
               const char    *path_or_null)
{
  GtkWidget *label = gtk_label_new (text);
  GtkWidget *row = gtk_list_box_row_new ();

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_margin_top (label, 3);
  gtk_widget_set_margin_bottom (label, 3);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
  gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (row), path_or_null != NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
  if (path_or_null != NULL)
    g_object_set_data_full (G_OBJECT (row), "path", g_strdup (path_or_null), g_free);
  gtk_list_box_append (self->probe_list, row);
}

static void
on_probed (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  XpNewSrWizard *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = xapi_connection_call_finish (XAPI_CONNECTION (source), result, &error);
  const char *xml = node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_object_unref (self);
      return;
    }
  self->probing = FALSE;
  clear_probe_list (self);
  g_clear_pointer (&self->probe_found, g_free);
  if (error != NULL || xml == NULL)
    {
      g_autofree char *why = error != NULL ? xapi_error_describe (error, TRUE) : g_strdup (_("no answer"));
      g_autofree char *text = g_strdup_printf (_("The scan failed: %s"), why);

      gtk_label_set_text (self->probe_label, text);
      g_clear_pointer (&self->probed_for, g_free);
    }
  else
    {
      g_autoptr(GPtrArray) paths = xml_values (xml, "Path");
      g_autoptr(GPtrArray) uuids = xml_values (xml, "UUID");

      for (guint i = 0; i < paths->len; i++)
        add_probe_row (self, paths->pdata[i], paths->pdata[i]);
      for (guint i = 0; i < uuids->len; i++)
        {
          g_autofree char *text = g_strdup_printf (_("Existing SR %s"), (char *) uuids->pdata[i]);
          add_probe_row (self, text, NULL);
        }
      if (paths->len > 0)
        self->probe_found = g_strdup_printf (ngettext ("The server exports %u path.", "The server exports %u paths.",
                                                       paths->len), paths->len);
      else if (uuids->len > 0)
        self->probe_found = g_strdup_printf (ngettext ("%u SR already exists at this location.",
                                                       "%u SRs already exist at this location.", uuids->len),
                                             uuids->len);
      else
        self->probe_found = g_strdup (_("No SR exists at this location yet."));
      gtk_label_set_text (self->probe_label, self->probe_found);
      g_free (self->probed_for);
      self->probed_for = location (self);
    }
  update_buttons (self);
  g_object_unref (self);
}

static void
on_scan (XpNewSrWizard *self)
{
  XapiObject *master = xapi_cache_get_master (xapi_connection_get_cache (self->conn));
  g_autofree char *server = trimmed (self->server_entry);
  g_autofree char *loc = location (self);
  JsonArray *p;
  JsonObject *dc = json_object_new ();

  if (master == NULL)
    {
      json_object_unref (dc);
      return;
    }
  if (is_iso (self))
    json_object_set_string_member (dc, "location", loc);
  else
    json_object_set_string_member (dc, "server", server);
  p = json_array_new ();
  json_array_add_string_element (p, xapi_object_get_ref (master));
  json_array_add_object_element (p, dc);
  json_array_add_string_element (p, is_iso (self) ? "iso" : "nfs");
  json_array_add_object_element (p, json_object_new ());
  self->probing = TRUE;
  gtk_label_set_text (self->probe_label, _("Scanning…"));
  update_buttons (self);
  xapi_connection_call_async (self->conn, "SR.probe", p, self->cancellable, on_probed, g_object_ref (self));
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
  self->probed_for = location (self);
  update_buttons (self);
}

/* ---- creation ---- */

static void
on_created (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  XpNewSrWizard *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = xapi_connection_call_finish (XAPI_CONNECTION (source), result, &error);
  const char *ref = node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;
  g_autofree char *text = NULL;

  self->running = FALSE;
  if (error == NULL && ref == NULL)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, _("The server returned no reference."));
  if (error != NULL)
    {
      g_autofree char *why = xapi_error_describe (error, TRUE);
      text = g_strdup_printf (_("The storage could not be created: %s Nothing was created."), why);
    }
  else
    text = g_strdup_printf (_("The storage “%s” was created."), gtk_editable_get_text (GTK_EDITABLE (self->name_entry)));
  gtk_progress_bar_set_fraction (self->progress, error == NULL ? 1.0 : 0.0);
  gtk_label_set_text (self->status_label, text);
  update_buttons (self);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, error == NULL ? ref : NULL, error != NULL ? text : NULL);
  g_object_unref (self);
}

static void
start_creation (XpNewSrWizard *self)
{
  XapiObject *master = xapi_cache_get_master (xapi_connection_get_cache (self->conn));
  g_autofree char *server = trimmed (self->server_entry);
  g_autofree char *path = trimmed (self->path_entry);
  g_autofree char *loc = location (self);
  JsonObject *dc = json_object_new ();
  JsonArray *p = json_array_new ();

  if (is_iso (self))
    json_object_set_string_member (dc, "location", loc);
  else
    {
      json_object_set_string_member (dc, "server", server);
      json_object_set_string_member (dc, "serverpath", path);
    }
  json_array_add_string_element (p, xapi_object_get_ref (master));
  json_array_add_object_element (p, dc);
  json_array_add_int_element (p, 0);
  json_array_add_string_element (p, gtk_editable_get_text (GTK_EDITABLE (self->name_entry)));
  json_array_add_string_element (p, gtk_editable_get_text (GTK_EDITABLE (self->description_entry)));
  json_array_add_string_element (p, is_iso (self) ? "iso" : "nfs");
  json_array_add_string_element (p, is_iso (self) ? "iso" : "");
  json_array_add_boolean_element (p, TRUE);
  json_array_add_object_element (p, json_object_new ());
  self->running = TRUE;
  show_page (self, PAGE_PROGRESS);
  gtk_label_set_text (self->status_label, _("Creating the storage and attaching it to every server…"));
  gtk_progress_bar_pulse (self->progress);
  /* not cancellable: SR.create is one step on the server */
  xapi_connection_call_async (self->conn, "SR.create", p, NULL, on_created, g_object_ref (self));
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

static void
on_kind_changed (XpNewSrWizard *self)
{
  g_clear_pointer (&self->probed_for, g_free);
  g_clear_pointer (&self->probe_found, g_free);
  clear_probe_list (self);
  gtk_label_set_text (self->probe_label, "");
  update_buttons (self);
}

static gboolean
on_close_request (GtkWindow *window)
{
  return XP_NEW_SR_WIZARD (window)->running;
}

/* ---- construction ---- */

static GtkWidget *
labelled (GtkWidget  *box,
          const char *text,
          GtkWidget  *widget)
{
  GtkWidget *label = gtk_label_new_with_mnemonic (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), widget);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), widget);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL, -1);
  return widget;
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
  g_clear_pointer (&self->probed_for, g_free);
  g_clear_pointer (&self->probe_found, g_free);
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
}

GtkWindow *
xp_new_sr_wizard_new (GtkWindow      *parent,
                      XapiConnection *conn)
{
  XpNewSrWizard *self;
  GtkWidget *outer, *box, *buttons, *label;

  g_return_val_if_fail (XAPI_IS_CONNECTION (conn), NULL);

  self = g_object_new (XP_TYPE_NEW_SR_WIZARD,
                       "title", _("New Storage"),
                       "transient-for", parent,
                       "default-width", 520,
                       "default-height", 460,
                       NULL);
  self->conn = g_object_ref (conn);

  outer = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_box_append (GTK_BOX (outer), GTK_WIDGET (self->stack));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_TYPE], _("Type of storage"));
  self->kind_vhd = GTK_CHECK_BUTTON (xp_wizard_named (gtk_check_button_new_with_mnemonic (_("NFS _virtual disk storage")),
                                            "kind-vhd"));
  self->kind_iso = GTK_CHECK_BUTTON (xp_wizard_named (gtk_check_button_new_with_mnemonic (_("NFS _ISO library")), "kind-iso"));
  gtk_check_button_set_group (self->kind_iso, self->kind_vhd);
  gtk_check_button_set_active (self->kind_vhd, TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->kind_vhd));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->kind_iso));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_NAME], _("Name"));
  self->name_entry = GTK_ENTRY (xp_wizard_named (gtk_entry_new (), "name-entry"));
  labelled (box, _("_Name"), GTK_WIDGET (self->name_entry));
  gtk_entry_set_activates_default (self->name_entry, TRUE);
  self->description_entry = GTK_ENTRY (xp_wizard_named (gtk_entry_new (), "description-entry"));
  labelled (box, _("_Description"), GTK_WIDGET (self->description_entry));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_LOCATION], _("Location"));
  self->server_entry = GTK_ENTRY (xp_wizard_named (gtk_entry_new (), "server-entry"));
  labelled (box, _("_Server"), GTK_WIDGET (self->server_entry));
  self->path_entry = GTK_ENTRY (xp_wizard_named (gtk_entry_new (), "path-entry"));
  gtk_editable_set_text (GTK_EDITABLE (self->path_entry), "/");
  labelled (box, _("Export _path"), GTK_WIDGET (self->path_entry));
  self->scan_button = GTK_BUTTON (xp_wizard_named (gtk_button_new_with_mnemonic (_("Sc_an")), "scan-button"));
  gtk_widget_set_halign (GTK_WIDGET (self->scan_button), GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->scan_button));
  self->probe_label = GTK_LABEL (xp_wizard_named (gtk_label_new (""), "probe-label"));
  gtk_label_set_xalign (self->probe_label, 0);
  gtk_label_set_wrap (self->probe_label, TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->probe_label));
  label = gtk_label_new (_("Found on the server"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_box_append (GTK_BOX (box), label);
  self->probe_list = GTK_LIST_BOX (xp_wizard_named (gtk_list_box_new (), "probe-list"));
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->probe_list), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                  label, NULL, -1);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->probe_list));

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

  g_signal_connect_swapped (self->scan_button, "clicked", G_CALLBACK (on_scan), self);
  g_signal_connect_swapped (self->probe_list, "row-selected", G_CALLBACK (on_export_chosen), self);
  g_signal_connect_swapped (self->kind_iso, "toggled", G_CALLBACK (on_kind_changed), self);
  g_signal_connect_swapped (self->name_entry, "changed", G_CALLBACK (update_buttons), self);
  g_signal_connect_swapped (self->server_entry, "changed", G_CALLBACK (update_buttons), self);
  g_signal_connect_swapped (self->path_entry, "changed", G_CALLBACK (update_buttons), self);

  self->page = PAGE_TYPE;
  update_buttons (self);
  return GTK_WINDOW (self);
}
