/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Import VM wizard.  The XVA is sent to the pool master's /import with
 * the chosen SR; xapi creates the VM (halted) and removes everything it
 * made when the import fails or is cancelled.  The wizard then sets the
 * home server when one was chosen and waits for the new VM to be in the
 * cache, so that it can be selected. */

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "xp-import-wizard.h"
#include "xp-wizard-util.h"
#include "xapi-cache.h"
#include "xapi-classes.h"
#include "xapi-error.h"
#include "xapi-transfer.h"

#define VM_ARRIVAL_TIMEOUT_S 30

enum { PAGE_FILE, PAGE_TARGET, PAGE_SUMMARY, PAGE_PROGRESS, N_PAGES };
static const char *page_names[N_PAGES] = { "file", "target", "summary", "progress" };

struct _XpImportWizard
{
  GtkWindow       parent_instance;

  XapiConnection *conn;
  int             page;

  GtkStack       *stack;
  GtkEntry       *file_entry;
  GtkLabel       *pool_label;
  GtkDropDown    *host_dropdown;
  GtkStringList  *host_names;
  GPtrArray      *hosts;          /* XapiHost, index + 1 in host_names (0 = none) */
  GtkDropDown    *sr_dropdown;
  GtkStringList  *sr_names;
  GPtrArray      *srs;            /* XapiSr, same order as sr_names */
  GtkLabel       *summary_label;
  GtkLabel       *status_label;
  GtkProgressBar *progress;
  GtkLabel       *hint_label;
  GtkButton      *back_button;
  GtkButton      *next_button;
  GtkButton      *cancel_button;
  GtkFileChooserNative *chooser;

  GCancellable   *cancellable;
  gboolean        running;
  char           *new_vm_ref;
  char           *failure;
  gulong          vms_handler;
  guint           arrival_timeout;
};

G_DEFINE_FINAL_TYPE (XpImportWizard, xp_import_wizard, GTK_TYPE_WINDOW)

enum { SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static char *
chosen_path (XpImportWizard *self)
{
  g_autofree char *text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->file_entry)));

  return g_strdup (g_strstrip (text));
}

static XapiHost *
chosen_host (XpImportWizard *self)
{
  guint i = gtk_drop_down_get_selected (self->host_dropdown);

  return i != GTK_INVALID_LIST_POSITION && i > 0 && i <= self->hosts->len ? self->hosts->pdata[i - 1] : NULL;
}

static XapiSr *
chosen_sr (XpImportWizard *self)
{
  guint i = gtk_drop_down_get_selected (self->sr_dropdown);

  return i != GTK_INVALID_LIST_POSITION && i < self->srs->len ? self->srs->pdata[i] : NULL;
}

/* Why the file cannot be imported, from its first bytes. */
static const char *
why_file_blocked (XpImportWizard *self)
{
  g_autofree char *path = chosen_path (self);
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) in = NULL;
  guchar head[8] = { 0 };
  gsize got = 0;

  if (*path == '\0')
    return _("Choose the XVA file to import");
  if (!g_path_is_absolute (path))
    return _("Enter a full path, starting with /");
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return _("That is a folder, not a file");
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return _("The file does not exist");
  file = g_file_new_for_path (path);
  in = g_file_read (file, NULL, NULL);
  if (in == NULL)
    return _("The file cannot be read");
  g_input_stream_read_all (G_INPUT_STREAM (in), head, sizeof head, &got, NULL, NULL);
  if (got == 0)
    return _("The file is empty");
  /* a tar starting with ova.xml, or gzip/zstd (checked by the server) */
  if (!(got >= 7 && memcmp (head, "ova.xml", 7) == 0) && !(head[0] == 0x1f && head[1] == 0x8b)
      && !(head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd))
    return _("This is not an XVA file (it does not start with ova.xml)");
  return NULL;
}

static const char *
why_blocked (XpImportWizard *self)
{
  if (self->running)
    return _("The VM is being imported");
  if (xapi_connection_get_state (self->conn) != XAPI_CONNECTION_STATE_CONNECTED)
    return _("The server is not connected");
  switch (self->page)
    {
    case PAGE_FILE:
      return why_file_blocked (self);
    case PAGE_TARGET:
      if (self->srs->len == 0)
        return chosen_host (self) != NULL ? _("No storage that this server reaches can hold VM disks")
                                          : _("No storage in this pool can hold VM disks");
      if (chosen_sr (self) == NULL)
        return _("Choose the storage for the VM's disks");
      break;
    default:
      break;
    }
  return NULL;
}

static void
update_buttons (XpImportWizard *self)
{
  const char *why = why_blocked (self);

  gtk_widget_set_sensitive (GTK_WIDGET (self->next_button), why == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->next_button), self->page < PAGE_PROGRESS);
  gtk_widget_set_sensitive (GTK_WIDGET (self->back_button), self->page > PAGE_FILE && self->page < PAGE_PROGRESS);
  gtk_label_set_text (self->hint_label, why != NULL && self->page < PAGE_PROGRESS ? why : "");
  gtk_button_set_label (self->next_button, self->page == PAGE_SUMMARY ? _("_Import") : _("_Next"));
  gtk_button_set_label (self->cancel_button,
                        self->page == PAGE_PROGRESS && !self->running ? _("_Close") : _("_Cancel"));
}

/* Storage that can hold VM disks: not ISO libraries or removable drives,
 * plugged somewhere, and reachable by the home server when one is chosen. */
static gboolean
sr_usable (XpImportWizard *self,
           XapiSr         *sr,
           XapiHost       *host)
{
  XapiCache *cache = xapi_connection_get_cache (self->conn);
  g_autoptr(GPtrArray) pbds = NULL;
  const char *type = xapi_sr_get_type_field (sr);

  if (xapi_object_is_gone (XAPI_OBJECT (sr)) || g_strcmp0 (xapi_sr_get_content_type (sr), "iso") == 0
      || g_strcmp0 (type, "udev") == 0 || g_strcmp0 (type, "iso") == 0)
    return FALSE;
  pbds = xapi_cache_follow_set (cache, XAPI_OBJECT (sr), "PBDs");
  if (pbds->len == 0)
    return FALSE;
  if (host == NULL || xapi_sr_get_shared (sr))
    return TRUE;
  for (guint i = 0; i < pbds->len; i++)
    if (g_strcmp0 (xapi_pbd_get_host (pbds->pdata[i]), xapi_object_get_ref (XAPI_OBJECT (host))) == 0)
      return TRUE;
  return FALSE;
}

static int
compare_srs (gconstpointer a,
             gconstpointer b)
{
  return g_utf8_collate (xapi_sr_get_name_label (*(XapiSr * const *) a), xapi_sr_get_name_label (*(XapiSr * const *) b));
}

static int
compare_hosts (gconstpointer a,
               gconstpointer b)
{
  return g_utf8_collate (xapi_host_get_name_label (*(XapiHost * const *) a),
                         xapi_host_get_name_label (*(XapiHost * const *) b));
}

static void
fill_srs (XpImportWizard *self)
{
  XapiCache *cache = xapi_connection_get_cache (self->conn);
  GListModel *srs = xapi_cache_get_objects (cache, XAPI_TYPE_SR);
  XapiObject *pool = xapi_cache_get_pool (cache);
  const char *default_sr = pool != NULL ? xapi_pool_get_default_sr (XAPI_POOL (pool)) : NULL;
  XapiSr *previous = chosen_sr (self);
  g_autofree char *previous_ref = previous != NULL ? g_strdup (xapi_object_get_ref (XAPI_OBJECT (previous))) : NULL;
  XapiHost *host = chosen_host (self);
  guint select = GTK_INVALID_LIST_POSITION;

  g_ptr_array_set_size (self->srs, 0);
  for (guint i = 0; i < g_list_model_get_n_items (srs); i++)
    {
      g_autoptr(XapiSr) sr = g_list_model_get_item (srs, i);

      if (sr_usable (self, sr, host))
        g_ptr_array_add (self->srs, g_steal_pointer (&sr));
    }
  g_ptr_array_sort (self->srs, compare_srs);
  gtk_string_list_splice (self->sr_names, 0, g_list_model_get_n_items (G_LIST_MODEL (self->sr_names)), NULL);
  for (guint i = 0; i < self->srs->len; i++)
    {
      XapiSr *sr = self->srs->pdata[i];
      gint64 free_bytes = xapi_sr_get_physical_size (sr) - xapi_sr_get_physical_utilisation (sr);
      g_autofree char *size = g_format_size (MAX (free_bytes, 0));
      g_autofree char *text = g_strdup_printf (_("%s (%s free)"), xapi_sr_get_name_label (sr), size);
      const char *ref = xapi_object_get_ref (XAPI_OBJECT (sr));

      gtk_string_list_append (self->sr_names, text);
      if (g_strcmp0 (ref, previous_ref) == 0 || (select == GTK_INVALID_LIST_POSITION && g_strcmp0 (ref, default_sr) == 0))
        select = i;
    }
  if (select == GTK_INVALID_LIST_POSITION && self->srs->len > 0)
    select = 0;
  gtk_drop_down_set_selected (self->sr_dropdown, select);
  update_buttons (self);
}

static void
fill_hosts (XpImportWizard *self)
{
  XapiCache *cache = xapi_connection_get_cache (self->conn);
  GListModel *hosts = xapi_cache_get_objects (cache, XAPI_TYPE_HOST);

  gtk_string_list_append (self->host_names, _("None: any server can start it"));
  for (guint i = 0; i < g_list_model_get_n_items (hosts); i++)
    {
      g_autoptr(XapiHost) host = g_list_model_get_item (hosts, i);

      if (!xapi_object_is_gone (XAPI_OBJECT (host)))
        g_ptr_array_add (self->hosts, g_steal_pointer (&host));
    }
  g_ptr_array_sort (self->hosts, compare_hosts);
  for (guint i = 0; i < self->hosts->len; i++)
    gtk_string_list_append (self->host_names, xapi_host_get_name_label (self->hosts->pdata[i]));
  gtk_drop_down_set_selected (self->host_dropdown, 0);
}

static void
update_summary (XpImportWizard *self)
{
  g_autofree char *path = chosen_path (self);
  XapiObject *pool = xapi_cache_get_pool (xapi_connection_get_cache (self->conn));
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, _("The VM in %s will be imported into the pool “%s”, its disks on “%s”."), path,
                          pool != NULL ? xapi_pool_get_name_label (XAPI_POOL (pool)) : "",
                          xapi_sr_get_name_label (chosen_sr (self)));
  if (chosen_host (self) != NULL)
    {
      g_string_append_c (text, ' ');
      g_string_append_printf (text, _("Its home server will be “%s”."), xapi_host_get_name_label (chosen_host (self)));
    }
  g_string_append_c (text, ' ');
  g_string_append (text, _("It will be shut down after the import."));
  gtk_label_set_text (self->summary_label, text->str);
  g_string_free (text, TRUE);
}

static void
show_page (XpImportWizard *self,
           int             page)
{
  self->page = page;
  if (page == PAGE_TARGET)
    fill_srs (self);
  if (page == PAGE_SUMMARY)
    update_summary (self);
  gtk_stack_set_visible_child_name (self->stack, page_names[page]);
  update_buttons (self);
}

/* ---- the import ---- */

static void
finish (XpImportWizard *self)
{
  self->running = FALSE;
  g_clear_signal_handler (&self->vms_handler, xapi_cache_get_objects (xapi_connection_get_cache (self->conn),
                                                                      XAPI_TYPE_VM));
  g_clear_handle_id (&self->arrival_timeout, g_source_remove);
  if (self->failure != NULL)
    {
      gtk_progress_bar_set_fraction (self->progress, 0.0);
      gtk_label_set_text (self->status_label, self->failure);
    }
  else
    {
      XapiObject *vm = xapi_cache_lookup (xapi_connection_get_cache (self->conn), self->new_vm_ref);
      g_autofree char *done = g_strdup_printf (_("The VM “%s” was imported. It is shut down."),
                                               vm != NULL ? xapi_vm_get_name_label (XAPI_VM (vm)) : "");

      gtk_progress_bar_set_fraction (self->progress, 1.0);
      gtk_label_set_text (self->status_label, done);
    }
  update_buttons (self);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, self->failure == NULL ? self->new_vm_ref : NULL, self->failure);
  g_object_unref (self);   /* taken in start_import () */
}

static void
on_vms_changed (XpImportWizard *self)
{
  if (xapi_cache_lookup (xapi_connection_get_cache (self->conn), self->new_vm_ref) != NULL)
    finish (self);
}

static gboolean
on_arrival_timeout (gpointer data)
{
  XpImportWizard *self = data;

  /* imported all the same; it will show up with the next events */
  self->arrival_timeout = 0;
  finish (self);
  return G_SOURCE_REMOVE;
}

/* Finishes once the cache has the new VM (its add event may trail the task). */
static void
wait_for_vm (XpImportWizard *self)
{
  XapiCache *cache = xapi_connection_get_cache (self->conn);

  if (xapi_cache_lookup (cache, self->new_vm_ref) != NULL)
    {
      finish (self);
      return;
    }
  gtk_label_set_text (self->status_label, _("Waiting for the new VM to appear…"));
  self->vms_handler = g_signal_connect_swapped (xapi_cache_get_objects (cache, XAPI_TYPE_VM), "items-changed",
                                                G_CALLBACK (on_vms_changed), self);
  self->arrival_timeout = g_timeout_add_seconds (VM_ARRIVAL_TIMEOUT_S, on_arrival_timeout, self);
}

static void
on_affinity_set (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  XpImportWizard *self = data;
  g_autoptr(GError) error = NULL;

  if (!xapi_vm_set_affinity_finish (XAPI_CONNECTION (source), result, &error))
    {
      g_autofree char *why = xapi_error_describe (error, TRUE);
      /* the VM is there: say so, and what is missing */
      g_debug ("VM.set_affinity failed: %s", why);
    }
  wait_for_vm (self);
}

static void
on_progress (guint64  bytes,
             double   fraction,
             gpointer data)
{
  XpImportWizard *self = data;
  g_autofree char *size = g_format_size (bytes);
  g_autofree char *text = g_strdup_printf (_("Importing… %s sent"), size);

  if (fraction >= 0)
    gtk_progress_bar_set_fraction (self->progress, CLAMP (fraction, 0.0, 1.0));
  gtk_label_set_text (self->status_label, text);
}

static void
on_imported (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  XpImportWizard *self = data;
  g_autoptr(GError) error = NULL;

  self->new_vm_ref = xapi_import_vm_finish (XAPI_CONNECTION (source), result, &error);
  if (self->new_vm_ref == NULL)
    {
      g_autofree char *why = xapi_error_describe (error, TRUE);

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
          || g_error_matches (error, XAPI_ERROR, XAPI_ERROR_TASK_CANCELLED))
        self->failure = g_strdup (_("Cancelled. Nothing was imported: the server removes what it had created."));
      else
        self->failure = g_strdup_printf (_("The import failed: %s Nothing was imported: the server removes what it "
                                           "had created."), why);
      finish (self);
      return;
    }
  if (chosen_host (self) != NULL)
    {
      gtk_label_set_text (self->status_label, _("Setting the home server…"));
      xapi_vm_set_affinity_async (self->conn, self->new_vm_ref,
                                  xapi_object_get_ref (XAPI_OBJECT (chosen_host (self))), NULL, on_affinity_set,
                                  self);
      return;
    }
  wait_for_vm (self);
}

static void
start_import (XpImportWizard *self)
{
  g_autofree char *path = chosen_path (self);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *label = g_strdup_printf (_("Import of %s"), base);

  self->running = TRUE;
  g_clear_pointer (&self->failure, g_free);
  g_clear_pointer (&self->new_vm_ref, g_free);
  g_object_ref (self);   /* released in finish () */
  show_page (self, PAGE_PROGRESS);
  gtk_label_set_text (self->status_label, _("Starting the import…"));
  xapi_import_vm_async (self->conn, file, xapi_object_get_ref (XAPI_OBJECT (chosen_sr (self))), label,
                        on_progress, self, self->cancellable, on_imported, self);
}

static void
on_next (XpImportWizard *self)
{
  if (why_blocked (self) != NULL)
    return;
  if (self->page == PAGE_SUMMARY)
    start_import (self);
  else
    show_page (self, self->page + 1);
}

static void
on_back (XpImportWizard *self)
{
  if (self->page > PAGE_FILE && self->page < PAGE_PROGRESS)
    show_page (self, self->page - 1);
}

static void
on_cancel (XpImportWizard *self)
{
  if (self->running)
    {
      /* once the server has answered, the VM exists: let it finish */
      if (self->new_vm_ref == NULL)
        {
          gtk_label_set_text (self->status_label, _("Cancelling…"));
          g_cancellable_cancel (self->cancellable);
        }
    }
  else
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

static gboolean
on_close_request (GtkWindow *window)
{
  XpImportWizard *self = XP_IMPORT_WIZARD (window);

  if (self->running)
    {
      on_cancel (self);
      return TRUE;
    }
  return FALSE;
}

/* ---- the file chooser ---- */

static void
on_chooser_response (GtkNativeDialog *dialog,
                     int              response,
                     XpImportWizard  *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        gtk_editable_set_text (GTK_EDITABLE (self->file_entry), path);
    }
  g_clear_object (&self->chooser);
}

static void
on_choose (XpImportWizard *self)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Import a VM from"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("XVA files"));
  gtk_file_filter_add_pattern (filter, "*.xva");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_object_unref (filter);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ---- construction ---- */

static void
xp_import_wizard_dispose (GObject *object)
{
  XpImportWizard *self = XP_IMPORT_WIZARD (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  G_OBJECT_CLASS (xp_import_wizard_parent_class)->dispose (object);
}

static void
xp_import_wizard_finalize (GObject *object)
{
  XpImportWizard *self = XP_IMPORT_WIZARD (object);

  g_clear_object (&self->conn);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->host_names);
  g_clear_object (&self->sr_names);
  g_clear_pointer (&self->hosts, g_ptr_array_unref);
  g_clear_pointer (&self->srs, g_ptr_array_unref);
  g_clear_pointer (&self->new_vm_ref, g_free);
  g_clear_pointer (&self->failure, g_free);
  G_OBJECT_CLASS (xp_import_wizard_parent_class)->finalize (object);
}

static void
xp_import_wizard_class_init (XpImportWizardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = xp_import_wizard_dispose;
  object_class->finalize = xp_import_wizard_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = on_close_request;

  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                           G_TYPE_STRING, G_TYPE_STRING);
}

static void
xp_import_wizard_init (XpImportWizard *self)
{
  self->cancellable = g_cancellable_new ();
  self->hosts = g_ptr_array_new_with_free_func (g_object_unref);
  self->srs = g_ptr_array_new_with_free_func (g_object_unref);
  self->host_names = gtk_string_list_new (NULL);
  self->sr_names = gtk_string_list_new (NULL);
}

GtkWindow *
xp_import_wizard_new (GtkWindow      *parent,
                      XapiConnection *conn)
{
  XpImportWizard *self;
  GtkWidget *outer, *box, *buttons, *row, *choose, *label;
  XapiObject *pool;

  g_return_val_if_fail (XAPI_IS_CONNECTION (conn), NULL);

  self = g_object_new (XP_TYPE_IMPORT_WIZARD,
                       "title", _("Import VM"),
                       "transient-for", parent,
                       "default-width", 540,
                       "default-height", 420,
                       NULL);
  self->conn = g_object_ref (conn);

  outer = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_box_append (GTK_BOX (outer), GTK_WIDGET (self->stack));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_FILE], _("XVA file"));
  label = gtk_label_new_with_mnemonic (_("_File exported by XenCenter, XenPools or “xe vm-export”"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_box_append (GTK_BOX (box), label);
  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->file_entry = GTK_ENTRY (xp_wizard_named (gtk_entry_new (), "file-entry"));
  gtk_widget_set_hexpand (GTK_WIDGET (self->file_entry), TRUE);
  gtk_entry_set_activates_default (self->file_entry, TRUE);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->file_entry));
  choose = xp_wizard_named (gtk_button_new_with_mnemonic (_("C_hoose…")), "choose-button");
  gtk_box_append (GTK_BOX (row), choose);
  gtk_box_append (GTK_BOX (box), row);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), GTK_WIDGET (self->file_entry));
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->file_entry), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                  label, NULL, -1);

  box = xp_wizard_page_box (self->stack, page_names[PAGE_TARGET], _("Destination"));
  self->pool_label = xp_wizard_text_label ("pool-label");
  pool = xapi_cache_get_pool (xapi_connection_get_cache (conn));
  {
    g_autofree char *text = g_strdup_printf (_("Pool: %s"), pool != NULL ? xapi_pool_get_name_label (XAPI_POOL (pool)) : "");
    gtk_label_set_text (self->pool_label, text);
  }
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->pool_label));
  self->host_dropdown = GTK_DROP_DOWN (xp_wizard_named (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (self->host_names)),
                                                                           NULL), "host-dropdown"));
  xp_wizard_labelled (box, _("_Home server"), GTK_WIDGET (self->host_dropdown));
  self->sr_dropdown = GTK_DROP_DOWN (xp_wizard_named (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (self->sr_names)),
                                                                         NULL), "sr-dropdown"));
  xp_wizard_labelled (box, _("_Storage for the disks"), GTK_WIDGET (self->sr_dropdown));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_SUMMARY], _("Summary"));
  self->summary_label = xp_wizard_text_label ("summary-label");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->summary_label));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_PROGRESS], _("Importing"));
  self->status_label = xp_wizard_text_label ("status-label");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->status_label));
  self->progress = GTK_PROGRESS_BAR (xp_wizard_named (gtk_progress_bar_new (), "progress-bar"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->progress), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Progress"), -1);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->progress));

  buttons = xp_wizard_button_bar (GTK_WINDOW (self), &self->hint_label, &self->cancel_button,
                                  &self->back_button, &self->next_button, G_CALLBACK (on_next),
                                  G_CALLBACK (on_back), G_CALLBACK (on_cancel), on_escape);
  gtk_box_append (GTK_BOX (outer), buttons);
  gtk_window_set_child (GTK_WINDOW (self), outer);

  fill_hosts (self);

  g_signal_connect_swapped (choose, "clicked", G_CALLBACK (on_choose), self);
  g_signal_connect_swapped (self->file_entry, "changed", G_CALLBACK (update_buttons), self);
  g_signal_connect_swapped (self->host_dropdown, "notify::selected", G_CALLBACK (fill_srs), self);
  g_signal_connect_swapped (self->sr_dropdown, "notify::selected", G_CALLBACK (update_buttons), self);
  g_signal_connect_object (conn, "notify::state", G_CALLBACK (update_buttons), self, G_CONNECT_SWAPPED);

  self->page = PAGE_FILE;
  update_buttons (self);
  return GTK_WINDOW (self);
}
