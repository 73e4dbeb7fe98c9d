/** The strings of the sign-in form (a chunk of its own: pages that sign visitors in with a host token never load it). */
export const SIGNIN_EN = {
  signIn: "Sign in",
  register: "Create account",
  email: "Email",
  password: "Password",
  needAccount: "No account? Create one",
  haveAccount: "Have an account? Sign in",
};
