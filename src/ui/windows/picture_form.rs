//! The preset form's picture rows (issue 27): deinterlacing and its rate,
//! cropping.
//! Drawn inside the form's grid, one row each.

use eframe::egui;
use vidprism_engine::presets::{Crop, CropRule, DeinterlaceRule, FieldRate, PictureRules};

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
    let label = ui.label("Crop");
    ui.horizontal(|ui| {
        let choices = [
            (CropRule::None, "none"),
            (CropRule::Auto, "black bars (auto)"),
            (CropRule::Fixed(Crop::default()), "fixed"),
        ];
        let current = choices
            .iter()
            .find(|(rule, _)| std::mem::discriminant(rule) == std::mem::discriminant(&rules.crop))
            .map_or("none", |(_, name)| name);
        egui::ComboBox::from_id_salt("crop rule")
            .selected_text(current)
            .show_ui(ui, |ui| {
                for (rule, name) in choices {
                    let on = std::mem::discriminant(&rule) == std::mem::discriminant(&rules.crop);
                    if ui.selectable_label(on, name).clicked() && !on {
                        rules.crop = rule;
                    }
                }
            })
            .response
            .labelled_by(label.id)
            .on_hover_text(
                "Black bars found in pictures over the whole source are cropped from every \
                 rendition, the thumbnail and the storyboard; never a dark scene",
            );
        if let CropRule::Fixed(crop) = &mut rules.crop {
            for (side, value) in [
                ("top", &mut crop.top),
                ("bottom", &mut crop.bottom),
                ("left", &mut crop.left),
                ("right", &mut crop.right),
            ] {
                ui.label(side);
                ui.add(egui::DragValue::new(value).range(0..=4096).speed(2));
            }
        }
    });
    ui.end_row();
}
