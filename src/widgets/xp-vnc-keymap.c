/* xp-vnc-keymap.c: key code tables for the VNC console
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Evdev codes 1..88 are numerically the XT set 1 scancodes.  Above that the
 * mapping is irregular; the extended keys get 0x80 | <code after E0>.
 */

#include "config.h"

#include "xp-vnc-keymap.h"

typedef struct {
  guint16 evdev;
  guint16 qnum;
} EvdevQnum;

static const EvdevQnum evdev_high[] = {
  { 89, 0x73 },   /* KEY_RO */
  { 90, 0x78 },   /* KEY_KATAKANA */
  { 91, 0x77 },   /* KEY_HIRAGANA */
  { 92, 0x79 },   /* KEY_HENKAN */
  { 93, 0x70 },   /* KEY_KATAKANAHIRAGANA */
  { 94, 0x7b },   /* KEY_MUHENKAN */
  { 95, 0x5c },   /* KEY_KPJPCOMMA */
  { 96, 0x9c },   /* KEY_KPENTER */
  { 97, 0x9d },   /* KEY_RIGHTCTRL */
  { 98, 0xb5 },   /* KEY_KPSLASH */
  { 99, 0x54 },   /* KEY_SYSRQ */
  { 100, 0xb8 },  /* KEY_RIGHTALT */
  { 102, 0xc7 },  /* KEY_HOME */
  { 103, 0xc8 },  /* KEY_UP */
  { 104, 0xc9 },  /* KEY_PAGEUP */
  { 105, 0xcb },  /* KEY_LEFT */
  { 106, 0xcd },  /* KEY_RIGHT */
  { 107, 0xcf },  /* KEY_END */
  { 108, 0xd0 },  /* KEY_DOWN */
  { 109, 0xd1 },  /* KEY_PAGEDOWN */
  { 110, 0xd2 },  /* KEY_INSERT */
  { 111, 0xd3 },  /* KEY_DELETE */
  { 113, 0xa0 },  /* KEY_MUTE */
  { 114, 0xae },  /* KEY_VOLUMEDOWN */
  { 115, 0xb0 },  /* KEY_VOLUMEUP */
  { 116, 0xde },  /* KEY_POWER */
  { 117, 0x59 },  /* KEY_KPEQUAL */
  { 119, 0xc6 },  /* KEY_PAUSE */
  { 121, 0x7e },  /* KEY_KPCOMMA */
  { 122, 0x72 },  /* KEY_HANGEUL */
  { 123, 0x71 },  /* KEY_HANJA */
  { 124, 0x7d },  /* KEY_YEN */
  { 125, 0xdb },  /* KEY_LEFTMETA */
  { 126, 0xdc },  /* KEY_RIGHTMETA */
  { 127, 0xdd },  /* KEY_COMPOSE */
  { 142, 0xdf },  /* KEY_SLEEP */
  { 143, 0xe3 },  /* KEY_WAKEUP */
  { 163, 0x99 },  /* KEY_NEXTSONG */
  { 164, 0xa2 },  /* KEY_PLAYPAUSE */
  { 165, 0x90 },  /* KEY_PREVIOUSSONG */
  { 166, 0xa4 },  /* KEY_STOPCD */
  { 183, 0x5d },  /* KEY_F13 */
  { 184, 0x5e },  /* KEY_F14 */
  { 185, 0x5f },  /* KEY_F15 */
};

guint16
xp_vnc_keymap_evdev_to_qnum (guint evdev_code)
{
  if (evdev_code >= 1 && evdev_code <= 88)
    return (guint16) evdev_code;
  for (gsize i = 0; i < G_N_ELEMENTS (evdev_high); i++)
    if (evdev_high[i].evdev == evdev_code)
      return evdev_high[i].qnum;
  return 0;
}

/* US layout: printable ASCII 0x20..0x7e; high bit of the entry = Shift. */
#define S 0x100
static const guint16 ascii_us[95] = {
  /* ' ' */ 0x39, /* ! */ S | 0x02, /* " */ S | 0x28, /* # */ S | 0x04,
  /* $ */ S | 0x05, /* % */ S | 0x06, /* & */ S | 0x08, /* ' */ 0x28,
  /* ( */ S | 0x0a, /* ) */ S | 0x0b, /* * */ S | 0x09, /* + */ S | 0x0d,
  /* , */ 0x33, /* - */ 0x0c, /* . */ 0x34, /* / */ 0x35,
  /* 0-9 */ 0x0b, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
  /* : */ S | 0x27, /* ; */ 0x27, /* < */ S | 0x33, /* = */ 0x0d,
  /* > */ S | 0x34, /* ? */ S | 0x35, /* @ */ S | 0x03,
  /* A-Z */
  S | 0x1e, S | 0x30, S | 0x2e, S | 0x20, S | 0x12, S | 0x21, S | 0x22, S | 0x23,
  S | 0x17, S | 0x24, S | 0x25, S | 0x26, S | 0x32, S | 0x31, S | 0x18, S | 0x19,
  S | 0x10, S | 0x13, S | 0x1f, S | 0x14, S | 0x16, S | 0x2f, S | 0x11, S | 0x2d,
  S | 0x15, S | 0x2c,
  /* [ */ 0x1a, /* \ */ 0x2b, /* ] */ 0x1b, /* ^ */ S | 0x07, /* _ */ S | 0x0c,
  /* ` */ 0x29,
  /* a-z */
  0x1e, 0x30, 0x2e, 0x20, 0x12, 0x21, 0x22, 0x23, 0x17, 0x24, 0x25, 0x26, 0x32,
  0x31, 0x18, 0x19, 0x10, 0x13, 0x1f, 0x14, 0x16, 0x2f, 0x11, 0x2d, 0x15, 0x2c,
  /* { */ S | 0x1a, /* | */ S | 0x2b, /* } */ S | 0x1b, /* ~ */ S | 0x29,
};
#undef S

guint16
xp_vnc_keymap_keysym_to_qnum (guint32   keysym,
                              gboolean *shift)
{
  *shift = FALSE;
  if (keysym >= 0x20 && keysym <= 0x7e)
    {
      guint16 v = ascii_us[keysym - 0x20];
      *shift = (v & 0x100) != 0;
      return v & 0xff;
    }
  switch (keysym)
    {
    case 0xff0d: return 0x1c;  /* Return */
    case 0xff09: return 0x0f;  /* Tab */
    case 0xff08: return 0x0e;  /* BackSpace */
    case 0xff1b: return 0x01;  /* Escape */
    case 0xffe1: return 0x2a;  /* Shift_L */
    case 0xffe3: return 0x1d;  /* Control_L */
    case 0xffe9: return 0x38;  /* Alt_L */
    case 0xffff: return 0xd3;  /* Delete */
    default: return 0;
    }
}

guint32
xp_vnc_keymap_unichar_to_keysym (gunichar c)
{
  switch (c)
    {
    case '\n':
    case '\r':
      return 0xff0d;
    case '\t':
      return 0xff09;
    case '\b':
      return 0xff08;
    case 0x1b:
      return 0xff1b;
    default:
      break;
    }
  if (c < 0x20 || (c >= 0x7f && c < 0xa0))
    return 0;
  if (c <= 0xff)
    return c;
  if (c > 0x10ffff)
    return 0;
  return 0x01000000 | c;
}
