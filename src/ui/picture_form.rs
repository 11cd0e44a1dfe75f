//! The preset form's picture rows (issue 27): deinterlacing and its rate.
//! Drawn inside the form's grid, one row each.

use eframe::egui;
use vidprism::presets::{DeinterlaceRule, FieldRate, PictureRules};

pub fn picture_rows_ui(ui: &mut egui::Ui, rules: &mut PictureRules) {
    let label = ui.label("Deinterlace");
    egui::ComboBox::from_id_salt("deinterlace rule")
        .selected_text(rules.deinterlace.label())
        .show_ui(ui, |ui| {
            for rule in DeinterlaceRule::ALL {
                ui.selectable_value(&mut rules.deinterlace, rule, rule.label());
            }
        })
        .response
        .labelled_by(label.id)
        .on_hover_text(
            "Interlaced video (1080i camcorders, DV, TV recordings) made progressive \
             once, before every rendition, the thumbnail and the storyboard",
        );
    ui.end_row();
    let label = ui.label("Deinterlaced rate");
    ui.add_enabled_ui(rules.deinterlace != DeinterlaceRule::Off, |ui| {
        egui::ComboBox::from_id_salt("field rate")
            .selected_text(rules.rate.label())
            .show_ui(ui, |ui| {
                for rate in FieldRate::ALL {
                    ui.selectable_value(&mut rules.rate, rate, rate.label());
                }
            })
            .response
            .labelled_by(label.id);
    });
    ui.end_row();
}
