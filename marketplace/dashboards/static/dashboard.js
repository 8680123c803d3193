// The branch dashboard's charts, drawn from the JSON block the page carries
// (no inline scripts). Without JS, or without Chart.js, the tables under
// the charts show the same figures and the chart boxes stay hidden.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var brand = "#c8102e";
  var palette = ["#c8102e", "#e4572e", "#f3a712", "#29335c", "#669bbc",
                 "#2a9d8f", "#8d6a9f", "#6c757d", "#a8201a"];

  Chart.defaults.font.size = 16;
  Chart.defaults.color = "#212529";

  function show(canvas, config) {
    if (!canvas) {
      return;
    }
    canvas.parentElement.hidden = false;
    new Chart(canvas, config);
  }

  function hoursAxis() {
    return { beginAtZero: true, ticks: { precision: 0 } };
  }

  show(document.getElementById("chart-months"), {
    type: "bar",
    data: {
      labels: data.months.labels,
      datasets: [{ label: data.months.title, data: data.months.hours, backgroundColor: brand }]
    },
    options: {
      maintainAspectRatio: false,
      plugins: { legend: { display: false } },
      scales: { y: hoursAxis(), x: { ticks: { autoSkip: true, maxRotation: 60 } } }
    }
  });

  // Horizontal bars: long Chinese category names stay readable on a phone.
  show(document.getElementById("chart-categories"), {
    type: "bar",
    data: {
      labels: data.categories.labels,
      datasets: [{
        label: data.categories.title,
        data: data.categories.hours,
        backgroundColor: data.categories.labels.map(function (_, i) {
          return palette[i % palette.length];
        })
      }]
    },
    options: {
      indexAxis: "y",
      maintainAspectRatio: false,
      plugins: { legend: { display: false } },
      scales: { x: hoursAxis() }
    }
  });
})();
