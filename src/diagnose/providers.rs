//! The catalog of sending services and the SPF `include:` each one asks its customers to
//! publish, with the host-name suffixes of its outbound servers (their PTR names). Data, not
//! code: a new provider is a new row.

/// One sending service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provider {
    /// The name a person knows it by.
    pub name: &'static str,
    /// The domain to `include:` in the customer's SPF record.
    pub include: &'static str,
    /// Suffixes of its outbound servers' reverse-DNS names (matched on a label boundary).
    pub ptr_suffixes: &'static [&'static str],
}

/// Every provider bouncedoc recognises, most common first (the order in which their includes are
/// tried when the PTR name does not identify one).
pub const PROVIDERS: &[Provider] = &[
    Provider {
        name: "Google Workspace",
        include: "_spf.google.com",
        ptr_suffixes: &["google.com", "googlemail.com"],
    },
    Provider {
        name: "Microsoft 365",
        include: "spf.protection.outlook.com",
        ptr_suffixes: &["protection.outlook.com", "outlook.com"],
    },
    Provider {
        name: "Amazon SES",
        include: "amazonses.com",
        ptr_suffixes: &["amazonses.com"],
    },
    Provider {
        name: "SendGrid",
        include: "sendgrid.net",
        ptr_suffixes: &["sendgrid.net"],
    },
    Provider {
        name: "Mailgun",
        include: "mailgun.org",
        ptr_suffixes: &["mailgun.net", "mailgun.org", "mailgun.info"],
    },
    Provider {
        name: "Mailchimp",
        include: "servers.mcsv.net",
        ptr_suffixes: &["mcsv.net", "rsgsv.net", "mcdlv.net"],
    },
    Provider {
        name: "Mandrill (Mailchimp Transactional)",
        include: "spf.mandrillapp.com",
        ptr_suffixes: &["mandrillapp.com"],
    },
    Provider {
        name: "Postmark",
        include: "spf.mtasv.net",
        ptr_suffixes: &["mtasv.net"],
    },
    Provider {
        name: "SparkPost",
        include: "sparkpostmail.com",
        ptr_suffixes: &["sparkpostmail.com"],
    },
    Provider {
        name: "Zoho Mail",
        include: "zoho.com",
        ptr_suffixes: &["zoho.com", "zohomail.com"],
    },
    Provider {
        name: "Zoho Mail (EU)",
        include: "zoho.eu",
        ptr_suffixes: &["zoho.eu"],
    },
    Provider {
        name: "Brevo (Sendinblue)",
        include: "spf.brevo.com",
        ptr_suffixes: &["brevo.com", "sendinblue.com"],
    },
    Provider {
        name: "Mailjet",
        include: "spf.mailjet.com",
        ptr_suffixes: &["mailjet.com"],
    },
    Provider {
        name: "Fastmail",
        include: "spf.messagingengine.com",
        ptr_suffixes: &["messagingengine.com", "fastmail.com"],
    },
    Provider {
        name: "Proton Mail",
        include: "_spf.protonmail.ch",
        ptr_suffixes: &["protonmail.ch", "proton.ch"],
    },
    Provider {
        name: "Salesforce",
        include: "_spf.salesforce.com",
        ptr_suffixes: &["salesforce.com"],
    },
    Provider {
        name: "Zendesk",
        include: "mail.zendesk.com",
        ptr_suffixes: &["zendesk.com"],
    },
    Provider {
        name: "HubSpot",
        include: "hubspot.com",
        ptr_suffixes: &["hubspotemail.net", "hubspot.net"],
    },
    Provider {
        name: "OVHcloud",
        include: "mx.ovh.com",
        ptr_suffixes: &["mail.ovh.net", "ovh.net"],
    },
    Provider {
        name: "GoDaddy",
        include: "secureserver.net",
        ptr_suffixes: &["secureserver.net"],
    },
    Provider {
        name: "Yandex",
        include: "_spf.yandex.net",
        ptr_suffixes: &["yandex.net", "yandex.ru"],
    },
    Provider {
        name: "Constant Contact",
        include: "spf.constantcontact.com",
        ptr_suffixes: &["constantcontact.com", "ctctcdn.com"],
    },
    Provider {
        name: "Campaign Monitor",
        include: "_spf.createsend.com",
        ptr_suffixes: &["createsend.com"],
    },
    Provider {
        name: "Rackspace Email",
        include: "emailsrvr.com",
        ptr_suffixes: &["emailsrvr.com"],
    },
    Provider {
        name: "IONOS",
        include: "_spf.perfora.net",
        ptr_suffixes: &["perfora.net", "kundenserver.de", "ionos.com"],
    },
    Provider {
        name: "Mimecast",
        include: "_netblocks.mimecast.com",
        ptr_suffixes: &["mimecast.com"],
    },
    Provider {
        name: "SMTP2GO",
        include: "spf.smtp2go.com",
        ptr_suffixes: &["smtp2go.com"],
    },
    Provider {
        name: "Elastic Email",
        include: "_spf.elasticemail.com",
        ptr_suffixes: &["elasticemail.com"],
    },
    Provider {
        name: "Apple iCloud Mail",
        include: "icloud.com",
        ptr_suffixes: &["icloud.com", "me.com"],
    },
    Provider {
        name: "Titan Email",
        include: "spf.titan.email",
        ptr_suffixes: &["titan.email"],
    },
];

/// The provider whose outbound servers are named like `ptr_name`, if any.
pub fn by_ptr_name(ptr_name: &str) -> Option<&'static Provider> {
    let name = ptr_name.trim_end_matches('.').to_ascii_lowercase();
    PROVIDERS.iter().find(|p| {
        p.ptr_suffixes
            .iter()
            .any(|suffix| name == *suffix || name.ends_with(&format!(".{suffix}")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ptr_names_match_on_label_boundaries() {
        assert_eq!(
            by_ptr_name("mail-wr1-f41.google.com.").map(|p| p.name),
            Some("Google Workspace")
        );
        assert_eq!(
            by_ptr_name("a48-110.smtp-out.amazonses.com").map(|p| p.include),
            Some("amazonses.com")
        );
        assert_eq!(by_ptr_name("notgoogle.com"), None);
        assert_eq!(by_ptr_name("mail.example.com"), None);
    }

    #[test]
    fn catalog_rows_are_well_formed_and_unique() {
        let mut includes: Vec<&str> = PROVIDERS.iter().map(|p| p.include).collect();
        includes.sort();
        includes.dedup();
        assert_eq!(
            includes.len(),
            PROVIDERS.len(),
            "an include is listed twice"
        );
        for p in PROVIDERS {
            assert!(!p.ptr_suffixes.is_empty(), "{} has no host suffix", p.name);
            assert!(p.include.contains('.') && !p.include.ends_with('.'));
        }
        assert!(PROVIDERS.len() >= 20);
    }
}
