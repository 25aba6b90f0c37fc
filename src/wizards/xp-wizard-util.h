/* xp-wizard-util.h: the parts every wizard window shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Sets the widget name (tests find widgets by it) and returns @widget. */
GtkWidget *xp_wizard_named      (GtkWidget   *widget,
                                 const char  *name);
/* Appends a mnemonic label for @widget, then @widget, to @box; the label
 * names the widget for assistive technologies.  Returns @widget. */
GtkWidget *xp_wizard_labelled   (GtkWidget   *box,
                                 const char  *mnemonic,
                                 GtkWidget   *widget);
/* A wrapping, left-aligned label named @name, for explanations. */
GtkLabel  *xp_wizard_text_label (const char  *name);
/* A page of @stack named @name with a heading; returns its box. */
GtkWidget *xp_wizard_page_box   (GtkStack    *stack,
                                 const char  *name,
                                 const char  *title);
/* The bottom bar: a hint label (why Next is disabled), Cancel, Back and
 * Next (the default widget).  The buttons call @on_next/@on_back/@on_cancel
 * with @wizard; Escape runs @on_escape.  Returns the bar. */
GtkWidget *xp_wizard_button_bar (GtkWindow        *wizard,
                                 GtkLabel        **hint_label,
                                 GtkButton       **cancel_button,
                                 GtkButton       **back_button,
                                 GtkButton       **next_button,
                                 GCallback         on_next,
                                 GCallback         on_back,
                                 GCallback         on_cancel,
                                 GtkShortcutFunc   on_escape);

G_END_DECLS
