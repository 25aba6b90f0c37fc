/* xp-vnc-keymap.h: key code tables for the VNC console
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Linux evdev key code (as used by X11 evdev and Wayland keycodes, minus 8)
 * to the QEMU "qnum" (XT set 1 scancode; 0x80 set for E0-prefixed keys), as
 * sent in the QEMU extended key event.  0 when unknown. */
guint16  xp_vnc_keymap_evdev_to_qnum (guint evdev_code);

/* US-layout qnum for a keysym (for typing text into QEMU consoles, which
 * need scancodes); sets *shift when Shift must be held.  0 when unknown. */
guint16  xp_vnc_keymap_keysym_to_qnum (guint32   keysym,
                                       gboolean *shift);

/* RFB keysym for a Unicode character (Latin-1 directly, controls as the
 * X11 function keysyms, others as 0x01000000 + code point). 0 if none. */
guint32  xp_vnc_keymap_unichar_to_keysym (gunichar c);

G_END_DECLS
