/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Export VM wizard.  xapi exports only VMs that are not running (their
 * disks must not change while they are copied); the stream goes through a
 * hidden temporary file next to the destination, is checked when asked and
 * renamed at the end, so a failed or cancelled export leaves no file. */

#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>

#include "xp-export-wizard.h"
#include "xp-wizard-util.h"
#include "xapi-cache.h"
#include "xapi-error.h"
#include "xapi-transfer.h"

enum { PAGE_VM, PAGE_FILE, PAGE_SUMMARY, PAGE_PROGRESS, N_PAGES };
static const char *page_names[N_PAGES] = { "vm", "file", "summary", "progress" };

struct _XpExportWizard
{
  GtkWindow       parent_instance;

  XapiConnection *conn;
  XapiVm         *vm;
  int             page;

  GtkStack       *stack;
  GtkLabel       *vm_label;
  GtkLabel       *state_label;
  GtkEntry       *file_entry;
  GtkDropDown    *compression_dropdown;
  GtkCheckButton *verify_check;
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
  guint64         bytes;
};

G_DEFINE_FINAL_TYPE (XpExportWizard, xp_export_wizard, GTK_TYPE_WINDOW)

enum { SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static const char *
vm_name (XpExportWizard *self)
{
  return xapi_vm_get_name_label (self->vm);
}

/* The trimmed path typed in the entry (newly allocated). */
static char *
chosen_path (XpExportWizard *self)
{
  g_autofree char *text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->file_entry)));

  return g_strdup (g_strstrip (text));
}

static const char *
why_file_blocked (XpExportWizard *self)
{
  g_autofree char *path = chosen_path (self);
  g_autofree char *dir = NULL;

  if (*path == '\0')
    return _("Choose where to save the file");
  if (!g_path_is_absolute (path))
    return _("Enter a full path, starting with /");
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return _("That is a folder: add a file name");
  if (!g_str_has_suffix (path, ".xva") || strlen (path) < 5 || path[strlen (path) - 5] == '/')
    return _("The file name must end in .xva");
  dir = g_path_get_dirname (path);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return _("The folder does not exist");
  if (access (dir, W_OK) != 0)
    return _("You cannot write to that folder");
  return NULL;
}

static const char *
why_blocked (XpExportWizard *self)
{
  if (self->running)
    return _("The VM is being exported");
  if (xapi_connection_get_state (self->conn) != XAPI_CONNECTION_STATE_CONNECTED)
    return _("The server is not connected");
  if (xapi_object_is_gone (XAPI_OBJECT (self->vm)))
    return _("The VM no longer exists");
  if (self->page < PAGE_PROGRESS && xapi_vm_get_power_state (self->vm) != XAPI_VM_POWER_STATE_HALTED)
    return _("Shut the VM down first: only a halted VM can be exported");
  if (self->page == PAGE_FILE)
    return why_file_blocked (self);
  return NULL;
}

static void
update_state (XpExportWizard *self)
{
  g_autofree char *text = NULL;

  switch (xapi_vm_get_power_state (self->vm))
    {
    case XAPI_VM_POWER_STATE_HALTED:
      text = g_strdup (_("The VM is shut down and can be exported. Its configuration and the content of its disks "
                         "are written to one XVA file, which can be imported into any pool."));
      break;
    case XAPI_VM_POWER_STATE_SUSPENDED:
      text = g_strdup (_("The VM is suspended. Resume it and shut it down first: its disks must not change while "
                         "they are copied, so only a halted VM can be exported."));
      break;
    default:
      text = g_strdup (_("The VM is running. Shut it down first: its disks must not change while they are copied, "
                         "so only a halted VM can be exported."));
      break;
    }
  gtk_label_set_text (self->state_label, text);
}

static void
update_buttons (XpExportWizard *self)
{
  const char *why = why_blocked (self);

  gtk_widget_set_sensitive (GTK_WIDGET (self->next_button), why == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->next_button), self->page < PAGE_PROGRESS);
  gtk_widget_set_sensitive (GTK_WIDGET (self->back_button), self->page > PAGE_VM && self->page < PAGE_PROGRESS);
  gtk_label_set_text (self->hint_label, why != NULL && self->page < PAGE_PROGRESS ? why : "");
  gtk_button_set_label (self->next_button, self->page == PAGE_SUMMARY ? _("_Export") : _("_Next"));
  gtk_button_set_label (self->cancel_button,
                        self->page == PAGE_PROGRESS && !self->running ? _("_Close") : _("_Cancel"));
}

static void
on_vm_changed (XpExportWizard *self)
{
  update_state (self);
  update_buttons (self);
}

static const char *
compression_text (guint i)
{
  switch (i)
    {
    case XAPI_XVA_COMPRESSION_GZIP:
      return _("gzip compression");
    case XAPI_XVA_COMPRESSION_ZSTD:
      return _("zstd compression");
    default:
      return _("no compression");
    }
}

static void
update_summary (XpExportWizard *self)
{
  g_autofree char *path = chosen_path (self);
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, _("The VM “%s” will be exported to %s with %s."), vm_name (self), path,
                          compression_text (gtk_drop_down_get_selected (self->compression_dropdown)));
  if (gtk_check_button_get_active (self->verify_check))
    {
      g_string_append_c (text, ' ');
      g_string_append (text, _("The file will be read back and checked before it is saved."));
    }
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_string_append_c (text, ' ');
      g_string_append (text, _("The existing file of that name will be replaced once the export succeeds."));
    }
  g_string_append_c (text, ' ');
  g_string_append (text, _("The VM cannot be started while it is exported."));
  gtk_label_set_text (self->summary_label, text->str);
  g_string_free (text, TRUE);
}

static void
show_page (XpExportWizard *self,
           int             page)
{
  self->page = page;
  if (page == PAGE_SUMMARY)
    update_summary (self);
  gtk_stack_set_visible_child_name (self->stack, page_names[page]);
  update_buttons (self);
}

/* ---- the export ---- */

static void
on_progress (guint64  bytes,
             double   fraction,
             gpointer data)
{
  XpExportWizard *self = data;
  g_autofree char *size = g_format_size (bytes);
  g_autofree char *text = g_strdup_printf (_("Exporting… %s received"), size);

  self->bytes = bytes;
  if (fraction >= 1.0)
    {
      gtk_progress_bar_set_fraction (self->progress, 1.0);
      gtk_label_set_text (self->status_label, _("Checking the exported file…"));
      return;
    }
  if (fraction >= 0)
    gtk_progress_bar_set_fraction (self->progress, CLAMP (fraction, 0.0, 1.0));
  else
    gtk_progress_bar_pulse (self->progress);
  gtk_label_set_text (self->status_label, text);
}

static void
on_exported (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  XpExportWizard *self = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *failure = NULL;
  g_autofree char *path = chosen_path (self);

  self->running = FALSE;
  if (!xapi_export_vm_finish (XAPI_CONNECTION (source), result, &error))
    {
      g_autofree char *why = xapi_error_describe (error, TRUE);

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        failure = g_strdup (_("Cancelled. No file was written."));
      else if (error->domain == XAPI_ERROR && xapi_error_get_code_string (error) != NULL)
        failure = g_strdup_printf (_("The server refused or stopped the export: %s No file was written."), why);
      else if (g_error_matches (error, XAPI_TRANSFER_ERROR, XAPI_TRANSFER_ERROR_DAMAGED))
        failure = g_strdup_printf (_("The exported file failed the check: %s It was deleted."), why);
      else
        failure = g_strdup_printf (_("The export failed: %s No file was written."), why);
      gtk_progress_bar_set_fraction (self->progress, 0.0);
      gtk_label_set_text (self->status_label, failure);
    }
  else
    {
      g_autofree char *size = NULL;
      g_autofree char *done = NULL;
      g_autoptr(GFile) file = g_file_new_for_path (path);
      g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, 0, NULL, NULL);

      size = g_format_size (info != NULL ? (guint64) g_file_info_get_size (info) : self->bytes);
      if (gtk_check_button_get_active (self->verify_check))
        done = g_strdup_printf (_("The VM “%s” was exported to %s (%s). The file was checked: every checksum matches."),
                                vm_name (self), path, size);
      else
        done = g_strdup_printf (_("The VM “%s” was exported to %s (%s)."), vm_name (self), path, size);
      gtk_progress_bar_set_fraction (self->progress, 1.0);
      gtk_label_set_text (self->status_label, done);
    }
  update_buttons (self);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0,
                 failure == NULL ? xapi_object_get_ref (XAPI_OBJECT (self->vm)) : NULL, failure);
  g_object_unref (self);   /* taken in start_export () */
}

static void
start_export (XpExportWizard *self)
{
  g_autofree char *path = chosen_path (self);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *label = g_strdup_printf (_("Export of “%s”"), vm_name (self));

  self->running = TRUE;
  self->bytes = 0;
  g_object_ref (self);   /* released in on_exported () */
  show_page (self, PAGE_PROGRESS);
  gtk_label_set_text (self->status_label, _("Starting the export…"));
  xapi_export_vm_async (self->conn, xapi_object_get_ref (XAPI_OBJECT (self->vm)), label,
                        gtk_drop_down_get_selected (self->compression_dropdown), file,
                        gtk_check_button_get_active (self->verify_check), on_progress, self,
                        self->cancellable, on_exported, self);
}

static void
on_next (XpExportWizard *self)
{
  if (why_blocked (self) != NULL)
    return;
  if (self->page == PAGE_SUMMARY)
    start_export (self);
  else
    show_page (self, self->page + 1);
}

static void
on_back (XpExportWizard *self)
{
  if (self->page > PAGE_VM && self->page < PAGE_PROGRESS)
    show_page (self, self->page - 1);
}

static void
on_cancel (XpExportWizard *self)
{
  if (self->running)
    {
      gtk_label_set_text (self->status_label, _("Cancelling…"));
      g_cancellable_cancel (self->cancellable);
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
  XpExportWizard *self = XP_EXPORT_WIZARD (window);

  if (self->running)
    {
      g_cancellable_cancel (self->cancellable);
      return TRUE;
    }
  return FALSE;
}

/* ---- the file chooser ---- */

static void
on_chooser_response (GtkNativeDialog *dialog,
                     int              response,
                     XpExportWizard  *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        {
          if (!g_str_has_suffix (path, ".xva"))
            {
              char *with = g_strconcat (path, ".xva", NULL);
              g_free (path);
              path = with;
            }
          gtk_editable_set_text (GTK_EDITABLE (self->file_entry), path);
        }
    }
  g_clear_object (&self->chooser);
}

static void
on_choose (XpExportWizard *self)
{
  g_autofree char *name = g_strconcat (vm_name (self), ".xva", NULL);
  GtkFileFilter *filter = gtk_file_filter_new ();

  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Export the VM to"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("XVA files"));
  gtk_file_filter_add_pattern (filter, "*.xva");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_object_unref (filter);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ---- construction ---- */

static void
xp_export_wizard_dispose (GObject *object)
{
  XpExportWizard *self = XP_EXPORT_WIZARD (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  G_OBJECT_CLASS (xp_export_wizard_parent_class)->dispose (object);
}

static void
xp_export_wizard_finalize (GObject *object)
{
  XpExportWizard *self = XP_EXPORT_WIZARD (object);

  g_clear_object (&self->conn);
  g_clear_object (&self->vm);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (xp_export_wizard_parent_class)->finalize (object);
}

static void
xp_export_wizard_class_init (XpExportWizardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = xp_export_wizard_dispose;
  object_class->finalize = xp_export_wizard_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = on_close_request;

  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                           G_TYPE_STRING, G_TYPE_STRING);
}

static void
xp_export_wizard_init (XpExportWizard *self)
{
  self->cancellable = g_cancellable_new ();
}

GtkWindow *
xp_export_wizard_new (GtkWindow *parent,
                      XapiVm    *vm)
{
  XpExportWizard *self;
  GtkWidget *outer, *box, *buttons, *row, *choose;
  g_autofree char *title = NULL;
  const char *const compressions[] = { N_("None (fastest, largest file)"), N_("gzip (smaller, slower)"),
                                       N_("zstd (smaller, fast)"), NULL };
  const char *translated[G_N_ELEMENTS (compressions)];
  XapiConnection *conn;

  g_return_val_if_fail (XAPI_IS_VM (vm), NULL);
  conn = xapi_object_get_connection (XAPI_OBJECT (vm));
  g_return_val_if_fail (XAPI_IS_CONNECTION (conn), NULL);

  title = g_strdup_printf (_("Export “%s”"), xapi_vm_get_name_label (vm));
  self = g_object_new (XP_TYPE_EXPORT_WIZARD,
                       "title", title,
                       "transient-for", parent,
                       "default-width", 540,
                       "default-height", 420,
                       NULL);
  self->conn = g_object_ref (conn);
  self->vm = g_object_ref (vm);

  outer = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->stack = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->stack), TRUE);
  gtk_box_append (GTK_BOX (outer), GTK_WIDGET (self->stack));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_VM], _("VM to export"));
  self->vm_label = xp_wizard_text_label ("vm-label");
  gtk_label_set_text (self->vm_label, xapi_vm_get_name_label (vm));
  gtk_widget_add_css_class (GTK_WIDGET (self->vm_label), "heading");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->vm_label));
  self->state_label = xp_wizard_text_label ("state-label");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->state_label));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_FILE], _("File"));
  row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->file_entry = GTK_ENTRY (xp_wizard_named (gtk_entry_new (), "file-entry"));
  gtk_widget_set_hexpand (GTK_WIDGET (self->file_entry), TRUE);
  gtk_entry_set_activates_default (self->file_entry, TRUE);
  gtk_entry_set_placeholder_text (self->file_entry, _("/home/me/vm.xva"));
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->file_entry));
  choose = xp_wizard_named (gtk_button_new_with_mnemonic (_("C_hoose…")), "choose-button");
  gtk_box_append (GTK_BOX (row), choose);
  xp_wizard_labelled (box, _("_Save to"), row);
  gtk_label_set_mnemonic_widget (GTK_LABEL (gtk_widget_get_prev_sibling (row)), GTK_WIDGET (self->file_entry));
  gtk_accessible_update_relation (GTK_ACCESSIBLE (self->file_entry), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                  gtk_widget_get_prev_sibling (row), NULL, -1);
  for (guint i = 0; compressions[i] != NULL; i++)
    translated[i] = _(compressions[i]);
  translated[G_N_ELEMENTS (compressions) - 1] = NULL;
  self->compression_dropdown = GTK_DROP_DOWN (xp_wizard_named (gtk_drop_down_new_from_strings (translated),
                                                               "compression-dropdown"));
  gtk_drop_down_set_selected (self->compression_dropdown, XAPI_XVA_COMPRESSION_ZSTD);
  xp_wizard_labelled (box, _("C_ompression"), GTK_WIDGET (self->compression_dropdown));
  self->verify_check = GTK_CHECK_BUTTON (xp_wizard_named (gtk_check_button_new_with_mnemonic (
                                           _("_Check the file after the export (reads it back)")),
                                         "verify-check"));
  gtk_check_button_set_active (self->verify_check, TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->verify_check));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_SUMMARY], _("Summary"));
  self->summary_label = xp_wizard_text_label ("summary-label");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->summary_label));

  box = xp_wizard_page_box (self->stack, page_names[PAGE_PROGRESS], _("Exporting"));
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

  g_signal_connect_swapped (choose, "clicked", G_CALLBACK (on_choose), self);
  g_signal_connect_swapped (self->file_entry, "changed", G_CALLBACK (update_buttons), self);
  g_signal_connect_object (vm, "notify::power-state", G_CALLBACK (on_vm_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (vm, "notify::gone", G_CALLBACK (on_vm_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (conn, "notify::state", G_CALLBACK (update_buttons), self, G_CONNECT_SWAPPED);

  self->page = PAGE_VM;
  update_state (self);
  update_buttons (self);
  return GTK_WINDOW (self);
}
