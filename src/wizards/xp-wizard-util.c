/* xp-wizard-util.c: the parts every wizard window shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "xp-wizard-util.h"

GtkWidget *
xp_wizard_named (GtkWidget  *widget,
                 const char *name)
{
  gtk_widget_set_name (widget, name);
  return widget;
}

GtkWidget *
xp_wizard_page_box (GtkStack   *stack,
                    const char *name,
                    const char *title)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *heading = gtk_label_new (title);

  gtk_widget_add_css_class (heading, "title-2");
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_box_append (GTK_BOX (box), heading);
  gtk_widget_set_margin_start (box, 18);
  gtk_widget_set_margin_end (box, 18);
  gtk_widget_set_margin_top (box, 18);
  gtk_stack_add_titled (stack, box, name, title);
  return box;
}

GtkWidget *
xp_wizard_button_bar (GtkWindow        *wizard,
                      GtkLabel        **hint_label,
                      GtkButton       **cancel_button,
                      GtkButton       **back_button,
                      GtkButton       **next_button,
                      GCallback         on_next,
                      GCallback         on_back,
                      GCallback         on_cancel,
                      GtkShortcutFunc   on_escape)
{
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *spacer = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkEventController *keys;

  gtk_widget_set_margin_start (buttons, 12);
  gtk_widget_set_margin_end (buttons, 12);
  gtk_widget_set_margin_bottom (buttons, 12);
  *hint_label = GTK_LABEL (xp_wizard_named (gtk_label_new (""), "hint-label"));
  gtk_widget_add_css_class (GTK_WIDGET (*hint_label), "dim-label");
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (*hint_label));
  gtk_widget_set_hexpand (spacer, TRUE);
  gtk_box_append (GTK_BOX (buttons), spacer);
  *cancel_button = GTK_BUTTON (xp_wizard_named (gtk_button_new_with_mnemonic (_("_Cancel")), "cancel-button"));
  *back_button = GTK_BUTTON (xp_wizard_named (gtk_button_new_with_mnemonic (_("_Back")), "back-button"));
  *next_button = GTK_BUTTON (xp_wizard_named (gtk_button_new_with_mnemonic (_("_Next")), "next-button"));
  gtk_widget_add_css_class (GTK_WIDGET (*next_button), "suggested-action");
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (*cancel_button));
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (*back_button));
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (*next_button));

  g_signal_connect_swapped (*next_button, "clicked", on_next, wizard);
  g_signal_connect_swapped (*back_button, "clicked", on_back, wizard);
  g_signal_connect_swapped (*cancel_button, "clicked", on_cancel, wizard);
  /* keyboard: Enter goes on, Escape cancels or closes */
  gtk_window_set_default_widget (wizard, GTK_WIDGET (*next_button));
  keys = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                          gtk_callback_action_new (on_escape, wizard, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (wizard), keys);
  return buttons;
}

GtkWidget *
xp_wizard_labelled (GtkWidget  *box,
                    const char *mnemonic,
                    GtkWidget  *widget)
{
  GtkWidget *label = gtk_label_new_with_mnemonic (mnemonic);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), widget);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), widget);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL, -1);
  return widget;
}

GtkLabel *
xp_wizard_text_label (const char *name)
{
  GtkLabel *label = GTK_LABEL (xp_wizard_named (gtk_label_new (""), name));

  gtk_label_set_wrap (label, TRUE);
  gtk_label_set_xalign (label, 0);
  return label;
}
