"""SLA: a clock per complaint from its severity and the policy; warnings, breaches, extensions, re-grades."""
