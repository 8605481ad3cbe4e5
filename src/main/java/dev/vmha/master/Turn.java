package dev.vmha.master;

import dev.vmha.config.HaSettings;
import dev.vmha.history.HaEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** One step of the master machine: its fixed configuration, the wall-clock time of the step, the effects so far. */
final class Turn {
  final MasterConfig config;
  final Instant wall;
  private final List<MasterEffect> effects = new ArrayList<>();

  Turn(MasterConfig config, Instant wall) {
    this.config = config;
    this.wall = wall;
  }

  HaSettings settings() {
    return config.settings();
  }

  String self() {
    return config.self();
  }

  void emit(HaEvent e) {
    effects.add(new MasterEffect.Emit(e));
  }

  void log(String message) {
    effects.add(new MasterEffect.Log(false, message));
  }

  void warn(String message) {
    effects.add(new MasterEffect.Log(true, message));
  }

  void effect(MasterEffect e) {
    effects.add(e);
  }

  List<MasterEffect> effects() {
    return List.copyOf(effects);
  }
}
