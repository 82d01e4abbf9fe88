// Unit names as people search for them.

/**
 * Lower case, no diacritics, đ → d, and any run of what is not a letter or a digit
 * (spaces, hyphens, punctuation) as one space: the form people search with, so that
 * "dong-dang", "Đồng  Đăng" and "dong dang" are one text. Migration 0007 applies the same
 * rule to the names stored before it.
 */
export function searchForm(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
