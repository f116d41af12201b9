//! Lint of a domain's SPF policy without an IP (being built).
pub struct Finding;
pub struct IncludeNode;
pub struct LintReport;
pub fn lint_domain() {}
