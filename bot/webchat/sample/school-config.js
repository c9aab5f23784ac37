// The sample school's optional widget configuration: institution profile, language and colours.
window.ContactpuntConfig = { profile: "rocmn", language: "nl", colours: { accent: "#0b5394" } };
