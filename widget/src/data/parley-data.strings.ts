/** The strings of this view; a host overrides them like the others (`strings`, Parley.init). */
export const DATA_EN = {
  yourData: "Your data",
  downloadData: "Download my data",
  downloaded: "Your data is downloaded",
  deleteAccount: "Delete my account",
  deleteWarning: "This deletes your account for good: your messages are removed, your files and contacts too.",
  confirmPassword: "Your password",
  deleteForGood: "Delete for good",
  wrongPassword: "Check your password and try again.",
  /** Downloading or deleting failed for a reason other than the password. */
  dataFailed: "That did not work. Try again.",
};
export type DataStrings = typeof DATA_EN;
